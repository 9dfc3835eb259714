"""The floor's supervisor side: the embedded NATS broker (``broker``), the board's state built
from the agents' events (``state``) and the board's web page (``board``)."""

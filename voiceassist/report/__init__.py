"""The post-call report (PLAYBOOK row 14): one call's timeline, prompts, transcript and
promises as a self-contained HTML page, and a team page over several calls.

Needs the ``report`` extra (Jinja2, matplotlib); without it, importing this package is a
user error that says how to install it.
"""

from voiceassist.errors import UsageError

try:
    import jinja2  # noqa: F401
    import matplotlib  # noqa: F401
except ImportError as e:
    raise UsageError(
        f"the post-call report needs {e.name}: pip install 'voiceassist[report]' (./run setup installs it)"
    ) from None

from voiceassist.report.call import Call, build_call, load_call  # noqa: E402
from voiceassist.report.render import check_output, render_call, render_team, write_call, write_reports  # noqa: E402

__all__ = ["Call", "build_call", "load_call", "check_output", "render_call", "render_team", "write_call", "write_reports"]

"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_homes(tmp_path_factory):
    """Calls analysed by the tests (in this process or a subprocess, also by module-wide
    fixtures) keep their call-back promises and their analysis cache in folders of the test
    session, never in the user's own (``$XDG_DATA_HOME/voiceassist/promises.jsonl``,
    ``$XDG_CACHE_HOME/voiceassist``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


@pytest.fixture(autouse=True)
def data_home(tmp_path_factory, monkeypatch):
    """Each test starts with no promises of its own (``live`` prints the open ones)."""
    path = tmp_path_factory.mktemp("data-home")
    monkeypatch.setenv("XDG_DATA_HOME", str(path))
    return path


@pytest.fixture(autouse=True)
def own_analysis_cache(tmp_path_factory, monkeypatch):
    """Each test its own analysis cache: a test that analyses a call measures the analysis,
    not an earlier test's cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture(scope="session")
def chromium():
    """A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, installed by
    ``./run test``) driven by Selenium, for tests of the web pages. One browser per session:
    starting one costs about a second."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=480,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()

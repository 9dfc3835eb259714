#!/usr/bin/env python3
"""Screenshot a local HTML page (a report, a team page) in headless Chromium, as the docs'
pictures are made:

    .venv/bin/python scripts/screenshot.py team/index.html docs/team-scorecard.png --section scorecards
    .venv/bin/python scripts/screenshot.py call.html docs/report-scorecard.png --section scorecard --width 1100

``--section ID``: the picture starts at that element (the page is scrolled to it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--section", help="id of the element to start the picture at")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={args.width},{args.height}", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(args.page.resolve().as_uri())
        if args.section:
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", args.section)
        driver.save_screenshot(str(args.out))
    finally:
        driver.quit()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

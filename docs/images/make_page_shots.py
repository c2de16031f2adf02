"""Screenshots of the seed's page for the README and docs/page.md, taken in Debian's Chromium (Playwright).

    python docs/images/make_page_shots.py

The page is made by `gdasm html gradient_step`; the shots are the seed's page at step 10 with grad_avg's
explanation open, on a 1280×800 screen and on a 390×844 phone screen, and with the machine code shown.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "seed.html"
        gdasm = shutil.which("gdasm", path=str(Path(sys.executable).parent)) or "gdasm"
        subprocess.run([gdasm, "html", "gradient_step", "-o", str(page_file)], check=True, capture_output=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            for name, size, scale, words in (("page-seed-step10.png", (1280, 800), 1, False),
                                             ("page-phone.png", (390, 844), 2, False),
                                             ("page-machine-code.png", (1280, 640), 1, True)):
                ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=scale)
                pg = ctx.new_page()
                pg.goto(page_file.as_uri() + "#step=10")
                pg.wait_for_selector("html[data-ready]", state="attached")
                pg.click('[data-reg="grad_avg"]')
                if words:
                    pg.click("#words-toggle")
                if size[0] < 600:
                    pg.evaluate("window.scrollTo(0, 0)")
                pg.screenshot(path=str(HERE / name))
                print(HERE / name)
                ctx.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

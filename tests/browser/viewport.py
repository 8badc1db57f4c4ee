"""What a reader actually sees in the browser window: visible boxes and window-sized screenshots."""

import os
from pathlib import Path

#: True when the element's box is inside the window and nothing (the sticky header, the side
#: cart) lies over its centre: the reader sees it without scrolling
SEEN_BY_THE_READER = """element => {
  const box = element.getBoundingClientRect();
  const inside = box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
    && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return inside && element.contains(hit);
}"""


def seen(locator) -> bool:
    """Whether the reader sees this element, whole and uncovered, in the window as it is."""
    return locator.evaluate(SEEN_BY_THE_READER)


def window_screenshot(page, tmp_path: Path, name: str) -> Path:
    """Save what the window shows (not the whole page) to STORE_SCREENSHOTS, or to tmp_path."""
    folder = Path(os.environ.get("STORE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path

"""The terminal progress bar of `dalil authenticity check` (sized as ingest's is)."""

from tqdm import tqdm

from dalil.lib.terminal import terminal_size


class ProgressBar:
    def __init__(self):
        self._bar = None

    def __call__(self, event: str, **data):
        if event == "start":
            columns, lines = terminal_size()
            self._bar = tqdm(total=data["photos"], unit="photo", desc="authenticity", ncols=columns, nrows=lines,
                             leave=False)
        elif event == "photo" and self._bar is not None:
            self._bar.update(1)

    def close(self):
        if self._bar is not None:
            self._bar.close()

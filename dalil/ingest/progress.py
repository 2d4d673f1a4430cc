"""The terminal progress bar of ingest: files, bytes, rate and time left."""

from tqdm import tqdm

from dalil.lib.terminal import terminal_size


class ProgressBar:
    def __init__(self):
        self._bar = None
        self._files = 0
        self._total_files = 0

    def __call__(self, event: str, **data):
        if event == "start":
            self._total_files = data["files"]
            columns, lines = terminal_size()
            self._bar = tqdm(total=data["bytes"], unit="B", unit_scale=True, unit_divisor=1024,
                             desc="ingest", ncols=columns, nrows=lines, leave=False)
            self._bar.set_postfix_str(f"0/{self._total_files} files")
        elif event == "file" and self._bar is not None:
            self._files += 1
            self._bar.update(data["bytes"])
            self._bar.set_postfix_str(f"{self._files:,}/{self._total_files:,} files", refresh=False)

    def close(self):
        if self._bar is not None:
            self._bar.close()

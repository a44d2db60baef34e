"""What one ``c2m serve`` process runs with: the database and factory config of the CLI, and
the web limits from the config's ``[web]`` table."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from c2m.config import FactoryConfig, load_config


def _default_upload_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"c2m-uploads-{os.getuid()}"


@dataclass(frozen=True)
class WebSettings:
    """Settings of one server; tests build their own with a temporary database."""

    db_url: str | None = None
    config_path: Path | None = None
    upload_dir: Path = field(default_factory=_default_upload_dir)
    max_upload_bytes: int | None = None  # None: the config's [web] max_upload_mb
    secure_cookies: bool | None = None  # None: the config's [web] secure_cookies

    def config(self) -> FactoryConfig:
        return load_config(self.config_path)

    def upload_limit(self, config: FactoryConfig) -> int:
        if self.max_upload_bytes is not None:
            return self.max_upload_bytes
        return math.ceil(config.web.max_upload_mb * 1024 * 1024)

    def secure(self, config: FactoryConfig) -> bool:
        return config.web.secure_cookies if self.secure_cookies is None else self.secure_cookies

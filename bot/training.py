"""Training the Rasa model, and knowing when it is stale.

A model is named after a fingerprint of everything it is trained from
(config.yml, dialogues/, nlu_data/, the custom components), so `ensure_model()`
trains only when one of those changed and `schoolbrug run` starts at once
otherwise.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.languages import TIER1

logger = logging.getLogger(__name__)

MODEL_PREFIX = "schoolbrug-"


def training_files(root: Path = PROJECT_ROOT, languages: tuple[str, ...] = TIER1) -> list[Path]:
    nlu: list[Path] = []
    for lang in languages:
        nlu += [root / "nlu_data" / f"{lang}.yml", *sorted((root / "nlu_data").glob(f"{lang}-*.yml"))]
    return [p for p in nlu if p.exists()] + sorted((root / "dialogues").glob("*.yml"))


def fingerprint(root: Path = PROJECT_ROOT, languages: tuple[str, ...] = TIER1, config: Path | None = None) -> str:
    h = hashlib.sha256()
    inputs = [config or root / "config.yml", root / "nlu_data" / "lexicon.yml", *training_files(root, languages),
              *sorted((root / "bot" / "nlu").glob("*.py"))]
    for path in inputs:
        if path.exists():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def model_path(model_dir: Path, fp: str) -> Path:
    return Path(model_dir) / f"{MODEL_PREFIX}{fp}.tar.gz"


def quiet_rasa() -> None:
    """Rasa and TensorFlow are chatty; keep their logs to warnings."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    for name in ("rasa", "tensorflow", "absl", "matplotlib", "apscheduler", "sanic", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    except Exception:  # structlog is optional for us; Rasa brings it
        pass


def train(model_dir: Path, root: Path = PROJECT_ROOT, languages: tuple[str, ...] = TIER1,
          config: Path | None = None, force: bool = False) -> Path:
    """Train (unless an up-to-date model exists) and return the model's path."""
    quiet_rasa()
    config = config or root / "config.yml"
    fp = fingerprint(root, languages, config)
    target = model_path(model_dir, fp)
    if target.exists() and not force:
        return target
    from rasa.model_training import train as rasa_train

    Path(model_dir).mkdir(parents=True, exist_ok=True)
    files = [str(p) for p in training_files(root, languages)]
    cwd = os.getcwd()
    os.chdir(root)  # the ConceptFeaturizer resolves its lexicon path from the project root
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = rasa_train(domain=str(root / "dialogues" / "domain.yml"), config=str(config),
                                training_files=files, output=tmp, fixed_model_name="model", force_training=True)
            if result.code != 0 or not result.model:
                raise RuntimeError(f"Rasa training failed (code {result.code})")
            shutil.move(result.model, target)
    finally:
        os.chdir(cwd)
    for old in Path(model_dir).glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target


def ensure_model(model_dir: Path) -> Path:
    return train(model_dir)


def latest_model(model_dir: Path) -> Path | None:
    models = sorted(Path(model_dir).glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None

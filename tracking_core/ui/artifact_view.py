"""Artifacts as the run page shows them: listing, safe reading, previews, models and plot data.

Everything here treats artifact content as untrusted. Previews are data (text, rows, numbers)
that the page inserts as text; raw files are served by ``raw_headers`` with a content type from
a short allow-list, ``nosniff`` and a Content-Security-Policy that sandboxes the document, so
an HTML or SVG artifact opened directly can run nothing in the UI's origin.
"""

from __future__ import annotations

import builtins
import csv
import io
import json
import os
import posixpath
import shutil
import tempfile
from typing import Any

from ..storage.artifacts import ArtifactPathError, clean_artifact_path

PREVIEW_TEXT_BYTES = 256 * 1024
PREVIEW_CSV_ROWS = 500
PLOT_DATA_MAX_BYTES = 2 * 1024 * 1024
MAX_PLOT_FILES = 30
MAX_DIRS_SCANNED = 50

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
TEXT_EXTENSIONS = {
    ".txt",
    ".log",
    ".md",
    ".yaml",
    ".yml",
    ".json",
    ".csv",
    ".tsv",
    ".py",
    ".cfg",
    ".ini",
    ".toml",
    ".xml",
    ".rst",
    ".sh",
    ".ipynb",
    ".jsonl",
    ".html",
    ".htm",
    ".r",
    ".sql",
}
TEXT_NAMES = {"MLmodel", "requirements.txt", "conda.yaml", "python_env.yaml", "LICENSE", "README"}
HTML_EXTENSIONS = {".html", ".htm"}
# Served to the browser: the page can draw from it, but a document made of it runs nothing.
ARTIFACT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def kind_of(path: str) -> str:
    name = posixpath.basename(path)
    ext = posixpath.splitext(name)[1].lower()
    if name == "MLmodel":
        return "mlmodel"
    if ext in IMAGE_TYPES:
        return "image"
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext in (".csv", ".tsv"):
        return "csv"
    if ext in (".json",):
        return "json"
    if ext in TEXT_EXTENSIONS or name in TEXT_NAMES:
        return "text"
    return "binary"


def raw_headers(path: str, download: bool) -> dict[str, str]:
    """Headers for serving an artifact's bytes: a safe type, no sniffing, sandboxed if opened."""
    ext = posixpath.splitext(path)[1].lower()
    kind = kind_of(path)
    if download:
        content_type = "application/octet-stream"
    elif ext in IMAGE_TYPES:
        content_type = IMAGE_TYPES[ext]
    elif kind == "html":
        content_type = "text/html; charset=utf-8"
    elif kind in ("text", "json", "csv", "mlmodel"):
        content_type = "text/plain; charset=utf-8"
    else:
        content_type = "application/octet-stream"
    headers = {
        "content-type": content_type,
        "x-content-type-options": "nosniff",
        "content-security-policy": ARTIFACT_CSP,
        "cache-control": "no-cache",
        "cross-origin-resource-policy": "same-origin",
    }
    name = posixpath.basename(path) or "artifacts"
    if download:
        quoted = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        headers["content-disposition"] = f'attachment; filename="{quoted}"'
    return headers


class ArtifactReader:
    """Reads one run's artifacts through its repository, every path checked first."""

    def __init__(self, repository):
        self.repository = repository

    def list(self, path: str | None) -> list[dict]:
        clean = clean_artifact_path(path)
        return [
            {
                "path": info.path,
                "name": posixpath.basename(info.path),
                "is_dir": info.is_dir,
                "size": info.file_size,
                "kind": "dir" if info.is_dir else kind_of(info.path),
            }
            for info in self.repository.list_artifacts(clean)
        ]

    def local_path(self, path: str) -> str | None:
        """The file's path on this machine when the repository is a local directory (symlinks
        leading out of the run's artifact root refused)."""
        root = getattr(self.repository, "root", None)
        if root is None or "://" in str(root):
            return None
        clean = clean_artifact_path(path)
        if not clean:
            raise ArtifactPathError("give the path of an artifact file")
        real_root = os.path.realpath(root)
        target = os.path.realpath(os.path.join(root, *clean.split("/")))
        if target != real_root and not target.startswith(real_root + os.sep):
            raise ArtifactPathError(f"artifact path {path!r} leads outside the run's artifact directory")
        return target

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        clean = clean_artifact_path(path)
        if not clean:
            raise ArtifactPathError("give the path of an artifact file")
        local = self.local_path(clean)
        if local is not None:
            if not os.path.isfile(local):
                raise FileNotFoundError(f"no artifact file {clean!r}")
            with open(local, "rb") as fh:
                return fh.read(limit) if limit is not None else fh.read()
        if hasattr(self.repository, "read_bytes"):
            data = self.repository.read_bytes(clean)
            return data[:limit] if limit is not None else data
        with tempfile.TemporaryDirectory(prefix="autolog-ui-") as tmp:
            target = self.repository.download_artifacts(clean, tmp)
            if os.path.isdir(target):
                raise IsADirectoryError(f"{clean!r} is a directory")
            with open(target, "rb") as fh:
                return fh.read(limit) if limit is not None else fh.read()

    def zip_directory(self, path: str) -> str:
        """A zip file (in a temp dir the caller removes) of an artifact directory or the whole run."""
        clean = clean_artifact_path(path)
        tmp = tempfile.mkdtemp(prefix="autolog-ui-zip-")
        try:
            if clean:
                source = self.repository.download_artifacts(clean, os.path.join(tmp, "src"))
            else:
                source = os.path.join(tmp, "src", "artifacts")
                os.makedirs(source)
                for info in self.repository.list_artifacts(""):
                    self.repository.download_artifacts(info.path, source)
            if not os.path.isdir(source):
                raise NotADirectoryError(f"{clean!r} is not a directory")
            return shutil.make_archive(os.path.join(tmp, "artifacts"), "zip", source)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    # -- previews ------------------------------------------------------------------------------
    def preview(self, path: str) -> dict[str, Any]:
        kind = kind_of(path)
        base = {"path": clean_artifact_path(path), "kind": kind}
        if kind in ("image", "html", "binary"):
            return base
        data = self.read_bytes(path, PREVIEW_TEXT_BYTES + 1)
        truncated = len(data) > PREVIEW_TEXT_BYTES
        data = data[:PREVIEW_TEXT_BYTES]
        if b"\x00" in data[:8192]:
            return {**base, "kind": "binary"}
        text = data.decode("utf-8", errors="replace")
        if kind == "json" and not truncated:
            try:
                parsed = json.loads(text)
            except ValueError:
                return {**base, "kind": "text", "text": text, "truncated": truncated, "note": "not valid JSON"}
            plot = plot_from_json(posixpath.basename(path), parsed)
            return {**base, "text": json.dumps(parsed, indent=2, ensure_ascii=False), "plot": plot}
        if kind == "csv":
            delimiter = "\t" if path.lower().endswith(".tsv") else ","
            rows = []
            for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
                if i > PREVIEW_CSV_ROWS:
                    truncated = True
                    break
                rows.append(row)
            shown = [[short_number(c) for c in row] for row in rows]
            full = [
                [c if c != d else None for c, d in zip(a, b, strict=True)] for a, b in zip(rows, shown, strict=True)
            ]
            return {**base, "rows": shown, "full": full, "truncated": truncated}
        if kind == "mlmodel":
            return {**base, "text": text, "model": describe_mlmodel(text)}
        return {**base, "kind": "text" if kind != "json" else "json", "text": text, "truncated": truncated}

    # -- models and plots found among the artifacts ---------------------------------------------
    def models(self, root_listing: builtins.list[dict]) -> builtins.list[dict]:
        """Every model directory at the top level (or the root itself) with its MLmodel described."""
        found = []
        candidates = [""] if any(e["name"] == "MLmodel" for e in root_listing) else []
        candidates += [e["path"] for e in root_listing if e["is_dir"]][:MAX_DIRS_SCANNED]
        for directory in candidates:
            entries = root_listing if directory == "" else self.list(directory)
            names = {e["name"]: e for e in entries}
            if "MLmodel" not in names:
                continue
            mlmodel_path = names["MLmodel"]["path"]
            try:
                model = describe_mlmodel(self.read_bytes(mlmodel_path, PREVIEW_TEXT_BYTES).decode("utf-8", "replace"))
            except (OSError, ValueError):
                continue
            model["path"] = directory
            model["mlmodel_path"] = mlmodel_path
            if "requirements.txt" in names:
                model["requirements"] = self.read_bytes(names["requirements.txt"]["path"], 64 * 1024).decode(
                    "utf-8", "replace"
                )
            example = model.get("input_example_file")
            if example and example in names:
                model["input_example_path"] = names[example]["path"]
            found.append(model)
        return found

    def plots(self, root_listing: builtins.list[dict]) -> builtins.list[dict]:
        """Plot data that plugins log as JSON (confusion matrices, curves, importances), ready to draw."""
        files = [e for e in root_listing if not e["is_dir"] and e["kind"] == "json"]
        for directory in [e for e in root_listing if e["is_dir"]][:MAX_DIRS_SCANNED]:
            if directory["name"] in ("plots", "figures", "charts", "evaluation"):
                files += [e for e in self.list(directory["path"]) if not e["is_dir"] and e["kind"] == "json"]
        found = []
        for entry in files[:MAX_PLOT_FILES]:
            if entry["size"] is not None and entry["size"] > PLOT_DATA_MAX_BYTES:
                continue
            try:
                parsed = json.loads(self.read_bytes(entry["path"], PLOT_DATA_MAX_BYTES))
            except (OSError, ValueError):
                continue
            plot = plot_from_json(entry["name"], parsed)
            if plot is not None:
                plot["path"] = entry["path"]
                found.append(plot)
        return found


PREVIEW_DIGITS = 6


def short_number(text: str) -> str:
    """A CSV cell holding a float written with many digits (``0.12345678901234568``), at six
    significant digits; every other cell as it is."""
    stripped = text.strip()
    if len(stripped) <= PREVIEW_DIGITS + 2 or not any(c in stripped for c in ".eE"):
        return text
    try:
        value = float(stripped)
    except ValueError:
        return text
    if value != value or value in (float("inf"), float("-inf")):
        return text
    short = f"{value:.{PREVIEW_DIGITS}g}"
    return short if len(short) < len(stripped) else text


def describe_mlmodel(text: str) -> dict[str, Any]:
    """Flavors, signature (inputs/outputs as lists of columns) and input example of an MLmodel file."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)
    if not isinstance(data, dict):
        raise ValueError("MLmodel is not a mapping")
    flavors = data.get("flavors") or {}
    model: dict[str, Any] = {
        "flavors": [
            {
                "name": str(name),
                "config": {str(k): _short(v) for k, v in (conf or {}).items()} if isinstance(conf, dict) else {},
            }
            for name, conf in flavors.items()
        ]
        if isinstance(flavors, dict)
        else [],
        "run_id": str(data.get("run_id") or ""),
        "created": str(data.get("utc_time_created") or ""),
        "model_uuid": str(data.get("model_uuid") or ""),
        # optional parts, present (possibly None) so templates can test them
        "signature": None,
        "input_example_file": None,
        "requirements": None,
        "input_example_path": None,
    }
    signature = data.get("signature")
    if isinstance(signature, dict):
        model["signature"] = {
            part: _schema(signature.get(part)) for part in ("inputs", "outputs", "params") if signature.get(part)
        }
    example = data.get("saved_input_example_info")
    if isinstance(example, dict) and example.get("artifact_path"):
        model["input_example_file"] = str(example["artifact_path"])
    return model


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:200] + "..."


def _schema(raw: Any) -> list[dict[str, str]]:
    """A signature part (a JSON string in MLmodel) as rows: name, type, shape."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return [{"name": "", "type": raw, "shape": ""}]
    if not isinstance(raw, list):
        return [{"name": "", "type": json.dumps(raw, default=str), "shape": ""}]
    rows = []
    for col in raw:
        if not isinstance(col, dict):
            rows.append({"name": "", "type": str(col), "shape": ""})
            continue
        kind = col.get("type")
        if kind == "tensor":
            kind = f"tensor of {(col.get('tensor-spec') or {}).get('dtype', '?')}"
            shape = str((col.get("tensor-spec") or {}).get("shape", ""))
        else:
            shape = ""
        rows.append(
            {
                "name": str(col.get("name", "")),
                "type": str(kind),
                "shape": shape,
                "optional": "" if col.get("required", True) else "optional",
            }
        )
    return rows


# -- plot data --------------------------------------------------------------------------------
def _numbers(value: Any, allow_none: bool = False) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 0
        and all((isinstance(v, (int, float)) and not isinstance(v, bool)) or (allow_none and v is None) for v in value)
    )


def plot_from_json(name: str, data: Any) -> dict | None:
    """Recognise plot data by its shape; None for any other JSON.

    - confusion matrix: ``{"labels": [...], "matrix": [[...], ...]}``
    - ROC curve: ``{"fpr": [...], "tpr": [...], "auc"?: x}``, or ``{"curves": [{"label", "fpr", "tpr"}]}``
    - precision-recall: ``{"precision": [...], "recall": [...], "average_precision"?: x}`` (or ``curves``)
    - learning curve: ``{"train_sizes": [...], "train_scores": [...], "test_scores"?: [...]}``, and a
      validation curve ``{"param_name": "C", "param_range": [numbers], "train_scores", "test_scores"}``
    - feature importances: a name containing "importance" and ``{feature: number}`` (or
      ``{"features": [...], "importances": [...]}``)
    """
    title = posixpath.splitext(name)[0].replace("_", " ")
    if isinstance(data, dict):
        labels, matrix = data.get("labels"), data.get("matrix")
        if (
            isinstance(labels, list)
            and isinstance(matrix, list)
            and matrix
            and all(_numbers(row) and len(row) == len(matrix[0]) for row in matrix)
        ):
            return {"type": "confusion_matrix", "title": title, "labels": [str(x) for x in labels], "matrix": matrix}
        curves = _curves(data, "fpr", "tpr") or _curves(data, "recall", "precision")
        if curves:
            roc = "fpr" in (data if "curves" not in data else data["curves"][0])
            return {
                "type": "roc_curve" if roc else "pr_curve",
                "title": title,
                "curves": curves,
                "x_label": "false positive rate" if roc else "recall",
                "y_label": "true positive rate" if roc else "precision",
            }
        for x_key, x_label in (
            ("train_sizes", "training examples"),
            ("param_range", str(data.get("param_name") or "")),
        ):
            if _numbers(data.get(x_key)) and _numbers(data.get("train_scores"), allow_none=True):
                return {
                    "type": "learning_curve",
                    "title": title,
                    "x": data[x_key],
                    "x_label": x_label or x_key,
                    "y_label": "score",
                    "series": [
                        {"label": k.replace("_", " "), "y": data[k]}
                        for k in ("train_scores", "test_scores", "validation_scores")
                        if _numbers(data.get(k), allow_none=True) and len(data[k]) == len(data[x_key])
                    ],
                }
        if _numbers(data.get("importances")) and isinstance(data.get("features"), list):
            pairs = list(zip([str(f) for f in data["features"]], data["importances"], strict=False))
            return _importances(title, pairs)
        if (
            "importance" in name.lower()
            and data
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data.values())
        ):
            return _importances(title, [(str(k), v) for k, v in data.items()])
    return None


SCORE_NAMES = {"auc": "AUC", "average_precision": "AP", "ap": "AP", "score": "score"}


def _curves(data: dict, x: str, y: str) -> list[dict] | None:
    items: list[Any] = data["curves"] if isinstance(data.get("curves"), list) else [data]
    curves = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not (_numbers(item.get(x)) and _numbers(item.get(y))):
            return None
        if len(item[x]) != len(item[y]):
            return None
        score_key = next(
            (k for k in ("auc", "average_precision", "ap", "score") if isinstance(item.get(k), (int, float))), None
        )
        label = str(item.get("label", "" if len(items) == 1 else f"curve {i + 1}"))
        curves.append(
            {
                "label": label,
                "x": item[x],
                "y": item[y],
                "score": item[score_key] if score_key else None,
                "score_name": SCORE_NAMES.get(score_key or "", "score"),
            }
        )
    return curves


def _importances(title: str, pairs: list[tuple[str, float]]) -> dict:
    pairs.sort(key=lambda p: -abs(p[1]))
    return {
        "type": "feature_importance",
        "title": title,
        "features": [p[0] for p in pairs],
        "importances": [p[1] for p in pairs],
    }

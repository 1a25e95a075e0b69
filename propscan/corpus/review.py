"""The human review loop with Label Studio.

export: stored predictions → Label Studio tasks with pre-annotations (one `labels` region per
span, labelled with its technique), plus the labelling config (the 14 techniques).
import: Label Studio's JSON export of reviewed tasks → a PTC folder (`articles/*.txt` and
`labels.tsv`) that `propscan train` reads.

Label Studio counts text offsets in UTF-16 code units (JavaScript strings); propscan counts
characters. Both directions convert, so spans stay on the same text even after emoji.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from propscan import techniques
from propscan.errors import InputError
from propscan.io.ptc import article_id_for

FROM_NAME, TO_NAME = "technique", "text"


# -- offsets -----------------------------------------------------------------------------------

def utf16_offsets(text: str) -> list[int]:
    """u[i] = UTF-16 offset of character i (len(text)+1 entries)."""
    out, pos = [0], 0
    for ch in text:
        pos += 2 if ord(ch) > 0xFFFF else 1
        out.append(pos)
    return out


def to_utf16(text: str, index: int, table: list[int] | None = None) -> int:
    return (table or utf16_offsets(text))[index]


def from_utf16(text: str, offset: int, table: list[int] | None = None) -> int | None:
    """The character index at UTF-16 `offset`, or None if it falls inside a surrogate pair
    or outside the text."""
    import bisect

    table = table or utf16_offsets(text)
    i = bisect.bisect_left(table, offset)
    return i if i < len(table) and table[i] == offset else None


def label_config() -> str:
    """Label Studio labelling config with the 14 techniques (colours as in propscan)."""
    labels = "\n".join(
        f'    <Label value="{t.label}" background="{t.colour}" hint="{_xml(t.name)}"/>'
        for t in techniques.TECHNIQUES)
    return (f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text"/>\n</View>\n')


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


# -- export ------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    config_path: Path
    tasks: int
    regions: int


def export_tasks(store: str | Path, output: str | Path, *, min_confidence: float = 0.0,
                 limit: int | None = None, source: str | None = None, technique: str | None = None,
                 config_path: str | Path | None = None) -> ExportResult:
    """Write Label Studio tasks (most propagandistic articles first) and the labelling config
    (default: `<output stem>.label_config.xml`)."""
    from propscan.corpus.store import article_filter, connect_read, load_analysis

    where, args = article_filter(source=source, technique=technique)
    output = Path(output)
    config_path = Path(config_path) if config_path else output.with_name(output.stem + ".label_config.xml")
    con = connect_read(Path(store))
    try:
        sql = f"SELECT a.article_id FROM articles a WHERE {where} ORDER BY a.score DESC, a.article_id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        ids = [r[0] for r in con.execute(sql, args).fetchall()]
        tasks, regions = [], 0
        for aid in ids:
            meta, a = load_analysis(con, aid)
            table = utf16_offsets(a.text)
            result = []
            for k, s in enumerate(a.spans):
                if s.confidence < min_confidence:
                    continue
                result.append({"id": f"p{k}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
                               "origin": "prediction", "score": s.confidence,
                               "value": {"start": table[s.start], "end": table[s.end], "text": s.text,
                                         "labels": [s.technique]}})
            regions += len(result)
            tasks.append({"data": {"text": a.text, "article_id": aid, "title": meta["title"],
                                   "source": meta["source"], "date": meta["date"], "url": meta["url"]},
                          "predictions": [{"model_version": a.model_version, "score": a.score,
                                           "result": result}]})
    finally:
        con.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    config_path.write_text(label_config(), encoding="utf-8")
    return ExportResult(output, config_path, len(tasks), regions)


# -- import ------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    folder: Path
    articles: int = 0
    spans: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(task or region, reason) for every task or region that was left out."""


def _latest_annotation(task: dict) -> dict | None:
    anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not anns:
        return None
    return max(enumerate(anns), key=lambda ia: (str(ia[1].get("updated_at") or ia[1].get("created_at") or ""), ia[0]))[1]


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _file_for(aid: str, used: set[str]) -> str:
    base = f"article{aid}" if aid.isdigit() else (_SAFE.sub("_", aid).strip("._") or "task")
    if base.startswith("article") and not aid.isdigit():
        base = "x" + base          # `article<digits>` names mean a numeric PTC id
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def import_annotations(source: str | Path, output: str | Path) -> ImportResult:
    """Reviewed Label Studio tasks → `output/articles/*.txt` + `output/labels.tsv`
    (article_id, technique, start, end). Tasks without a (non-cancelled) annotation are left out."""
    source, output = Path(source), Path(output)
    try:
        tasks = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{source}: not a Label Studio JSON export ({e})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InputError(f"{source}: expected a JSON list of tasks")
    res = ImportResult(output)
    rows: list[tuple[str, str, int, int]] = []
    texts: dict[str, str] = {}
    used: set[str] = set()
    for n, task in enumerate(tasks, start=1):
        data = task.get("data") if isinstance(task, dict) else None
        tid = str((data or {}).get("article_id") or (task.get("id") if isinstance(task, dict) else None) or f"task{n}")
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"].strip():
            res.skipped.append((tid, "no text in task data"))
            continue
        ann = _latest_annotation(task)
        if ann is None:
            res.skipped.append((tid, "not reviewed (no annotation, or all cancelled)"))
            continue
        text = data["text"]
        table = utf16_offsets(text)
        fname = _file_for(tid, used)
        ptc_id = article_id_for(Path(fname + ".txt"))
        texts[fname] = text
        seen: set[tuple[str, int, int]] = set()
        for region in ann.get("result") or []:
            if not isinstance(region, dict) or region.get("type") != "labels":
                continue
            v = region.get("value") or {}
            where = f"{tid} region {region.get('id', '?')}"
            s16, e16 = v.get("start"), v.get("end")
            if not isinstance(s16, int) or not isinstance(e16, int):
                res.skipped.append((where, "no start/end offsets"))
                continue
            s, e = from_utf16(text, s16, table), from_utf16(text, e16, table)
            if s is None or e is None or not 0 <= s < e <= len(text):
                res.skipped.append((where, f"offsets {s16}-{e16} do not fit the text"))
                continue
            if isinstance(v.get("text"), str) and v["text"] != text[s:e]:
                res.skipped.append((where, "region text does not match the task text at its offsets"))
                continue
            for label in v.get("labels") or []:
                if label not in techniques.BY_LABEL:
                    res.skipped.append((where, f"unknown technique {label!r}"))
                    continue
                if (label, s, e) not in seen:
                    seen.add((label, s, e))
                    rows.append((ptc_id, label, s, e))
        res.articles += 1
    if not texts:
        raise InputError(f"{source}: no reviewed tasks (with a non-cancelled annotation) to import")
    (output / "articles").mkdir(parents=True, exist_ok=True)
    for fname, text in texts.items():
        (output / "articles" / f"{fname}.txt").write_bytes(text.encode("utf-8"))
    rows.sort(key=lambda r: (r[0], r[2], r[3], r[1]))
    with (output / "labels.tsv").open("w", encoding="utf-8", newline="") as fh:
        fh.write("article_id\ttechnique\tstart\tend\n")
        for r in rows:
            fh.write("\t".join(map(str, r)) + "\n")
    res.spans = len(rows)
    return res

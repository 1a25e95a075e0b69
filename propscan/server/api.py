"""The REST API, version 1: analyse text/upload/URL, read saved analyses, techniques, health."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Optional

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.concurrency import run_in_threadpool
from pydantic import StrictBool, BaseModel, ConfigDict, Field, field_validator, model_validator

from propscan.domain import Analysis, Article
from propscan.enrich import compose
from propscan.server.payloads import API_PREFIX, techniques_payload
from propscan.server.problems import ApiError, NotFound
from propscan.server.store import ID_PATTERN, Record
from propscan.techniques import LABELS, TECHNIQUES

router = APIRouter(prefix=API_PREFIX, tags=["api v1"])

TechniqueLabel = Literal[LABELS]  # type: ignore[valid-type]


# -- schemas ----------------------------------------------------------------------------------

def _encodable(value: str | None) -> str | None:
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("contains characters that are not valid Unicode (lone surrogates)") from None
    return value


class AnalyzeRequest(BaseModel):
    """Give exactly one of `text` or `url`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "oneOf": [{"required": ["text"]}, {"required": ["url"]}],
        "examples": [{"text": "Our valley, our choice! Only traitors would vote for this disaster.",
                      "threshold": 0.3}]})

    text: str = Field(None, min_length=1, description="The article text.")  # type: ignore[assignment]
    url: str = Field(None, min_length=1, max_length=2048,  # type: ignore[assignment]
                               description="An http(s) URL; the page is fetched and its article body "
                                           "extracted.")
    title: Optional[str] = Field(None, max_length=500, description="Optional title to show.")
    threshold: float = Field(0.0, ge=0.0, le=1.0,
                             description="Keep only spans with at least this confidence.")
    techniques: Optional[list[TechniqueLabel]] = Field(  # type: ignore[valid-type]
        None, max_length=len(LABELS), description="Keep only spans of these techniques (default: all).")
    save: StrictBool = Field(True, description="Save the analysis and give it a permalink.")
    claims: StrictBool = Field(False, description="Also find the check-worthy claims (sentences stating a fact worth "
                                            "checking). Off by default: it runs a second model.")
    targets: StrictBool = Field(False, description="Also find the entity or group each span is aimed at, and the most "
                                             "targeted per technique. Off by default: it needs spaCy "
                                             "(pip install 'propscan[claims]'); without it, 400 `targets_unavailable`.")
    voice: bool = Field(False, description="Also tell each span's voice (the author's own words, or quoted) and "
                                           "who is quoted. Off by default: it needs spaCy; without it, 400 "
                                           "`targets_unavailable`.")

    _check_unicode = field_validator("text", "url", "title")(_encodable)

    @model_validator(mode="after")
    def _one_source(self) -> "AnalyzeRequest":
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of 'text' or 'url'")
        return self


class SpanOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # fields added to Span later pass through

    start: int
    end: int
    technique: str
    confidence: float
    text: str
    target: Optional[str] = Field(None, description="The entity or group the span is aimed at; null when "
                                                    "targets were not requested or none was found.")
    voice: Optional[Literal["author", "quoted"]] = Field(
        None, description="Whose words the span is: the article's own (`author`) or a quotation (`quoted`); "
                          "null when not known.")
    speaker: Optional[str] = Field(None, description="Who is quoted, for a quoted span whose speaker is known; "
                                                     "else null.")


class ClaimOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    text: str = Field(description="The sentence, exactly `analysis.text[start:end]`.")
    start: int
    end: int
    score: float = Field(description="Probability that the sentence is check-worthy (0 to 1).")
    entities: list[str] = Field(description="People, organisations, places, groups it mentions.")
    numbers: list[str]
    dates: list[str]
    techniques: list[str] = Field([], description="Technique labels of the spans overlapping the claim, in text order.")
    priority: float = Field(0.0, description="Rank in 'what to check first': score x (1 + 0.25 x the number of "
                                             "different overlapping techniques, at most 4).")


class TargetCountOut(BaseModel):
    target: str
    spans: int = Field(description="How many spans of this technique are aimed at the target.")


class SentenceOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    start: int
    end: int
    score: float
    text: str


class SpeakerCountOut(BaseModel):
    speaker: Optional[str] = Field(description="Who is quoted, as the article names them; null for the "
                                               "author, or for quoted words of unknown speaker.")
    voice: Literal["author", "quoted"]
    spans: int
    techniques: dict[str, int] = Field(description="Spans per technique label.")


class AnalysisOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # fields added to Analysis later pass through

    article_id: str
    title: Optional[str]
    model_version: str
    score: float = Field(description="Article score in [0, 1].")
    technique_counts: dict[str, int]
    spans: list[SpanOut]
    sentences: list[SentenceOut]
    claims: list[ClaimOut] = Field([], description="Check-worthy claims, in text order; empty unless the "
                                                   "`claims` option was given.")
    target_summary: dict[str, list[TargetCountOut]] = Field(
        {}, description="The most targeted entities (up to 3) per technique label; empty unless the "
                        "`targets` option was given.")
    speaker_summary: list[SpeakerCountOut] = Field(
        [], description="Techniques summed per speaker, the author (voice `author`, speaker null) included, "
                        "most spans first; quoted spans of unknown speaker are summed under speaker null "
                        "with voice `quoted`. Empty unless the `voice` option was given.")
    targets: dict[str, list[TargetCountOut]] = Field(
        {}, deprecated=True, description="Deprecated alias of `target_summary` (the name the CLI's JSON "
                                         "used), kept for one release.")
    text: str


class RecordOut(BaseModel):
    id: Optional[str] = Field(description="Id of the saved analysis; null when not saved.")
    permalink: Optional[str] = Field(description="Path of the page showing this analysis.")
    created_at: str
    source: Literal["text", "upload", "url"]
    url: Optional[str]
    options: dict[str, Any]
    analysis: AnalysisOut


class TechniqueOut(BaseModel):
    label: str
    name: str
    abbreviation: str
    explanation: str
    colour: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    model_version: str
    techniques: int
    analyses: int


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    details: Optional[Any] = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad input (empty text, refused URL, undecodable file), or targets asked of a server "
                 "without spaCy",
            404: "No such analysis", 413: "Request body over the limit",
            415: "Unsupported file type", 422: "Invalid request, or no article found in the page",
            502: "The URL could not be fetched", 503: "The analysis did not finish within the time limit",
            504: "Fetching the URL took too long"}
    return {c: {"model": ErrorOut, "description": text[c]} for c in codes}


# -- running an analysis ------------------------------------------------------------------------

def _state(request: Request):
    return request.app.state.propscan


def _run(state, article: Article, threshold: float, techniques: list[str] | None, claims: bool,
         targets: bool, voice: bool = False) -> Analysis:
    """Analyse, filter, then (if asked) add claims and targets; runs on an analysis slot."""
    analysis = state.analyzer.analyze(article)
    analysis = analysis.filtered(threshold, None if techniques is None else set(techniques))
    layers = [n for n, on in (("claims", claims), ("targets", targets), ("voice", voice)) if on]
    return compose(analysis, layers, state.enrichment)


async def _analyse(request: Request, article: Article, *, source: str, url: str | None,
                   threshold: float, techniques: list[str] | None, save: bool,
                   claims: bool = False, targets: bool = False, voice: bool = False) -> dict[str, Any]:
    state = _state(request)
    if (targets or voice) and not await run_in_threadpool(state.has_spacy):
        raise ApiError("targets and voice need spaCy and its English pipeline, which this server lacks "
                       "(pip install 'propscan[claims]'); claims work without them",
                       code="targets_unavailable")
    analysis: Analysis = await state.analyse(
        article, lambda piece: _run(state, piece, threshold, techniques, claims, targets, voice))
    options = {"threshold": threshold, "techniques": techniques, "claims": claims, "targets": targets,
               "voice": voice}
    if save:
        rec = await run_in_threadpool(state.store.save, analysis, source=source, url=url, options=options)
        return rec.to_dict()
    out = Record("", "", source, url, options, analysis).to_dict()
    out.update(id=None, permalink=None, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return out


# -- routes -------------------------------------------------------------------------------------

@router.get("/health", response_model=HealthOut, summary="Is the server up, and with which model")
def health(request: Request) -> dict[str, Any]:
    state = _state(request)
    return {"status": "ok", "model_version": state.analyzer.version, "techniques": len(TECHNIQUES),
            "analyses": state.store.count()}


@router.get("/techniques", response_model=list[TechniqueOut],
            summary="The 14 techniques with their explanations and colours")
def techniques() -> list[dict[str, Any]]:
    return techniques_payload()


@router.post("/analyses", response_model=RecordOut, status_code=201,
             responses=_errors(400, 413, 422, 502, 503, 504),
             summary="Analyse a text or the article at a URL")
async def analyse(request: Request, body: AnalyzeRequest) -> dict[str, Any]:
    """Returns the Analysis (spans with technique and confidence, sentence scores, article score),
    saved under a new id unless `save` is false. With `claims`, also the check-worthy claims; with
    `targets`, each span's target and the most targeted entities per technique (both off by
    default, so a plain analysis stays fast)."""
    state = _state(request)
    if body.url is not None:
        from propscan.server.fetch import fetch_article

        s = state.settings
        page = await state.fetch(
            fetch_article, body.url.strip(), allow_private=s.allow_private_urls, timeout=s.fetch_timeout,
            max_bytes=s.fetch_max_bytes, max_redirects=s.max_redirects)
        article = Article(id=page.url, text=page.text, title=body.title or page.title, url=page.url)
        return await _analyse(request, article, source="url", url=page.url, threshold=body.threshold,
                              techniques=body.techniques, save=body.save, claims=body.claims,
                              targets=body.targets, voice=body.voice)
    article = Article(id="text", text=body.text or "", title=body.title)
    return await _analyse(request, article, source="text", url=None, threshold=body.threshold,
                          techniques=body.techniques, save=body.save, claims=body.claims, targets=body.targets,
                          voice=body.voice)


UPLOAD_SUFFIXES = {".txt": "text/plain", ".text": "text/plain", ".html": "text/html", ".htm": "text/html"}


@router.post("/analyses/upload", response_model=RecordOut, status_code=201,
             responses=_errors(400, 413, 415, 422, 503), summary="Analyse an uploaded .txt or .html file")
async def analyse_upload(
    request: Request,
    file: Annotated[UploadFile, File(description="A UTF-8 .txt file or an .html page.")],
    threshold: Annotated[float, Form(ge=0.0, le=1.0)] = 0.0,
    techniques: Annotated[Optional[list[TechniqueLabel]], Form()] = None,  # type: ignore[valid-type]
    save: Annotated[bool, Form()] = True,
    claims: Annotated[bool, Form(description="Also find the check-worthy claims.")] = False,
    targets: Annotated[bool, Form(description="Also find the target of each span (needs spaCy).")] = False,
    voice: Annotated[bool, Form(description="Also tell author's voice from quoted words, and the speaker (needs spaCy).")] = False,
) -> dict[str, Any]:
    from pathlib import PurePath

    from propscan.server.fetch import extract_article

    name = file.filename or ""
    suffix = PurePath(name).suffix.lower()
    ctype = (file.content_type or "").split(";")[0].strip().lower()
    if suffix in UPLOAD_SUFFIXES:
        kind = UPLOAD_SUFFIXES[suffix]
    elif ctype in ("text/plain", "text/html"):
        kind = ctype
    else:
        raise ApiError("upload a .txt or .html file", status=415, code="unsupported_file")
    data = await file.read()
    if b"\x00" in data:
        raise ApiError("the file looks binary (contains NUL bytes); upload UTF-8 text or HTML",
                       code="binary_file")
    if kind == "text/plain":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ApiError(f"the file is not valid UTF-8 (byte {e.start})", code="not_utf8") from None
        title = None   # the text exactly as uploaded (a BOM too), so offsets match the file
    else:
        text, title = await run_in_threadpool(extract_article, data, content_type="text/html")
    article = Article(id="upload", text=text, title=title)
    return await _analyse(request, article, source="upload", url=None, threshold=threshold,
                          techniques=techniques, save=save, claims=claims, targets=targets, voice=voice)


@router.get("/analyses/{analysis_id}", response_model=RecordOut, responses=_errors(404),
            summary="A saved analysis")
def get_analysis(request: Request, analysis_id: str) -> dict[str, Any]:
    return _record(request, analysis_id).to_dict()


@router.get("/analyses/{analysis_id}/report.html", response_class=HTMLResponse,
            responses={**{c: {"description": d, "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
                              for c, d in ((404, "No such analysis"), (422, "Invalid parameter"))},
                       200: {"content": {"text/html": {}}, "description": "A standalone HTML report"}},
            summary="A saved analysis as a standalone HTML report that opens offline")
def get_report(request: Request, analysis_id: str,
               download: Annotated[bool, Query(description="Send as an attachment")] = False):
    from propscan.server.report import render_report

    rec = _record(request, analysis_id)
    headers = {"Content-Disposition": f'attachment; filename="propscan-{rec.id}.html"'} if download else {}
    html, csp = render_report(rec.to_dict())
    headers["Content-Security-Policy"] = csp
    return HTMLResponse(html, headers=headers)


def _record(request: Request, analysis_id: str) -> Record:
    import re

    rec = _state(request).store.get(analysis_id) if re.match(ID_PATTERN, analysis_id) else None
    if rec is None:
        raise NotFound("no saved analysis has this id")
    return rec

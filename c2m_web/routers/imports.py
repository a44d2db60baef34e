"""Upload exports: a dry run shown as a table, then the import of exactly those files.

Every role may upload (merchandisers are who this page is for). The dry run and the import
both call :mod:`c2m_web.imports`, i.e. the CLI's import functions; the import finds each
file by the checksum the dry run showed and refuses it if its bytes changed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from c2m_web import imports, uploads
from c2m_web.deps import AppState, Viewer, act, allow, state
from c2m_web.errors import WebError
from c2m_web.pages import render

router = APIRouter(prefix="/imports")

MAX_FILES = 20


@router.get("")
def upload_page(
    request: Request,
    viewer: Viewer = Depends(allow("merchandiser")),
    app: AppState = Depends(state),
) -> Response:
    context = {
        "kinds": imports.KINDS,
        "history": imports.history(app.engine),
        "limit_mb": app.upload_limit / 2**20,
    }
    return render(request, "imports.html", context, viewer=viewer)


def _kind(value: object, allow_auto: bool) -> str:
    kind = str(value or "auto")
    if kind in imports.KINDS or (allow_auto and kind == "auto"):
        return kind
    raise WebError(f"unknown kind of file {kind!r}; choose one of {', '.join(imports.KINDS)}")


def _room(value: object) -> str:
    room = str(value or "").strip()
    if len(room) > 64:
        raise WebError("a room ID has at most 64 characters")
    return room


@router.post("/check")
async def dry_run(
    request: Request, viewer: Viewer = Depends(act("merchandiser")), app: AppState = Depends(state)
) -> Response:
    form = await request.form()
    kind = _kind(form.get("kind"), allow_auto=True)
    room = _room(form.get("room"))
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files:
        raise WebError("choose at least one file to upload")
    if len(files) > MAX_FILES:
        raise WebError(f"at most {MAX_FILES} files at a time")
    await run_in_threadpool(uploads.prune, app.settings.upload_dir)
    checked: list[imports.FileOutcome] = []
    refused: list[tuple[str, str]] = []
    for upload in files:
        try:
            stored = await run_in_threadpool(
                uploads.receive, upload.file, upload.filename, app.settings.upload_dir,
                app.upload_limit,
            )  # fmt: skip
        except uploads.UploadRefused as exc:
            refused.append((upload.filename or "", exc.message))
            continue
        file_kind = kind
        if kind == "auto":
            file_kind = await run_in_threadpool(imports.guess_kind, stored.path) or ""
            if not file_kind:
                uploads.forget(app.settings.upload_dir, stored.sha256)
                refused.append(
                    (stored.name, "its columns do not say which kind of file it is: choose one")
                )
                continue
        result = await run_in_threadpool(
            imports.run,
            app.engine,
            file_kind,
            stored.path,
            stored.name,
            dry_run=True,
            room=room,
            config=app.config,
        )
        checked.append(imports.FileOutcome(stored.name, stored.sha256, file_kind, result))
    context = {"checked": checked, "refused": refused, "room": room, "kinds": imports.KINDS}
    return render(
        request, "import_check.html", context, status=400 if refused else 200, viewer=viewer
    )


@router.post("/commit")
async def commit(
    request: Request, viewer: Viewer = Depends(act("merchandiser")), app: AppState = Depends(state)
) -> Response:
    form = await request.form()
    shas = [str(v) for v in form.getlist("sha256")]
    names = [str(v) for v in form.getlist("name")]
    kinds = [_kind(v, allow_auto=False) for v in form.getlist("kind")]
    room = _room(form.get("room"))
    if not shas or not (len(shas) == len(names) == len(kinds)):
        raise WebError("nothing to import: run the dry run first")
    done: list[imports.FileOutcome] = []
    refused: list[tuple[str, str]] = []
    for sha, name, kind in zip(shas, names, kinds, strict=True):
        try:
            path = uploads.find(app.settings.upload_dir, sha, name)
        except uploads.UploadRefused as exc:
            refused.append((name, exc.message))
            continue
        result = await run_in_threadpool(
            imports.run,
            app.engine,
            kind,
            path,
            name,
            dry_run=False,
            room=room,
            config=app.config,
        )
        await run_in_threadpool(imports.note_uploader, app.engine, result, viewer.name, name)
        uploads.forget(app.settings.upload_dir, sha)
        done.append(imports.FileOutcome(name, sha, kind, result))
    context = {"done": done, "refused": refused, "kinds": imports.KINDS}
    status = 200 if done else 409
    return render(request, "import_done.html", context, status=status, viewer=viewer)

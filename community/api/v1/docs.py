"""/api/openapi.json (generated from the code by flask-smorest) and /api/docs, a page made
from the same description on the server: no CDN and no script, so the site's CSP holds."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def spec_dict() -> dict:
    """The OpenAPI description of /api/v1 for this app."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


def operations(spec: dict) -> list[dict]:
    """Each operation with what the page lists: method, path, summary, parameters, responses."""
    found = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": shared + op.get("parameters", []),
                    "body": _ref_name(body.get("schema", {})),
                    "responses": sorted(op.get("responses", {}).items()),
                    "auth": bool(op.get("security")) and {} not in op["security"],
                }
            )
    return found


def _ref_name(schema: dict) -> str:
    return schema.get("$ref", "").rsplit("/", 1)[-1]


@bp.route("/openapi.json")
def openapi():
    return jsonify(spec_dict())


@bp.route("/docs")
def docs():
    spec = spec_dict()
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=spec.get("components", {}).get("schemas", {}),
    )

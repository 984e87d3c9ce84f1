"""The schema's error answers, the same for every operation: each refusal has its status and a
`detail` in the caller's language (Chinese by default), and form refusals their `errors`."""

ERRORS = {
    "400": "The body is not JSON, or not an object",
    "401": "No token or session, or the token is not valid",
    "403": "The caller's roles may not do this (or the token only reads)",
    "404": "No such case, or not in the caller's reach",
    "409": "The case changed since the caller read it, or the step is not possible now",
    "422": "The input breaks a rule of the step; `errors` says which field",
    "428": "The case's version is missing from the If-Match header",
    "429": "Too many requests for this token: wait a minute",
}
ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail"],
}


def add_errors(result, generator, request, public):
    """drf-spectacular's postprocessing hook: every operation answers these too."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for code, text in ERRORS.items():
                operation["responses"].setdefault(code, {"description": text, "content": reference})
    return result

"""The schema's error answers, the same for every operation: each refusal has its status and a
`detail` in the caller's language (Chinese by default), and form refusals their `errors`."""

ERRORS = {
    "400": "The body is not JSON, or not an object",
    "401": "No token or session, or the token is not valid",
    "403": "The caller's roles may not do this (or the token only reads)",
    "404": "No such case, or not in the caller's reach",
    "409": "The case changed since the caller read it, or the step is not possible now",
    "413": "The body is larger than the server takes (DATA_UPLOAD_MAX_MEMORY_SIZE)",
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


def add_links(result, generator, request, public):
    """OpenAPI links, so that a client (and the stateful tests) can follow a case: from the list
    to a case's detail; from the detail to its contacts and its steps, with the version it read
    as `If-Match`; from a step's or a contact's answer (the case again) back to its detail."""
    paths = result.get("paths", {})
    detail = paths["/api/cases/{id}/"]["get"]["operationId"]
    onward = {
        operation["operationId"]: method
        for path, item in paths.items()
        if path.startswith("/api/cases/{id}/") and path != "/api/cases/{id}/"
        for method, operation in item.items()
    }

    def link(operation_id: str, source: str, *, version: bool = False) -> dict:
        parameters = {"path.id": f"$response.body#{source}/id"}
        if version:
            parameters["header.If-Match"] = f"$response.body#{source}/version"
        return {"operationId": operation_id, "parameters": parameters}

    def answer_of(operation) -> dict:
        return operation["responses"].get("200") or operation["responses"]["201"]

    answer_of(paths["/api/cases/"]["get"])["links"] = {detail: link(detail, "/results/0")}
    answer_of(paths["/api/cases/{id}/"]["get"])["links"] = {
        operation_id: link(operation_id, "", version="_step_" in operation_id)
        for operation_id in onward
    }
    for path, item in paths.items():
        if path.startswith("/api/cases/{id}/") and path != "/api/cases/{id}/":
            for operation in item.values():
                answer_of(operation)["links"] = {detail: link(detail, "")}
    return result

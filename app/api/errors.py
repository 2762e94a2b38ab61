"""Errors that name the parameter at fault, shaped like FastAPI's own 422 bodies."""

from fastapi import HTTPException, status


def bad_parameter(name: str, message: str, where: str = "query") -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": [where, name], "msg": message, "type": "value_error"}],
    )


def not_found(what: str, key: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=f"no {what} '{key}'")

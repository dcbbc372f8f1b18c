"""Mounts the errands pages, API and command on the app (called by ``shop.app.create_app``)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from errands import api, tasks, views, visits


def install(app: Flask, rest_api: Api) -> None:
    rest_api.register_blueprint(api.blueprint)
    app.register_blueprint(views.errands)
    app.cli.add_command(tasks.errands_group)
    visits.connect()

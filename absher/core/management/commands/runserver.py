from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.servers.basehttp import WSGIServer


class DeepBacklogWSGIServer(WSGIServer):
    # socketserver's default listen backlog is 5; concurrent clients of the embedded
    # platform (and its tests) need many more pending connections.
    request_queue_size = 128


class Command(StaticRunserver):
    server_cls = DeepBacklogWSGIServer

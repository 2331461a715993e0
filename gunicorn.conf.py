"""gunicorn settings for production (README):

    gunicorn -c gunicorn.conf.py -w 4 -b 127.0.0.1:8000 "app:create_app()"

* ``preload_app``: the app (Flask-AppBuilder, every model and view) is built
  once in the master process and the workers are forked from it, so their
  memory pages are shared until written. The master opens no database
  connection while building it; each worker's pool starts empty all the same
  (``post_fork``).
* The garbage collector keeps those pages shared: it is off while the master
  builds the app, what was built is frozen before each fork (``gc.freeze``)
  and it is on again in each worker, as the Python documentation of
  ``gc.freeze`` recommends. A worker's own memory is then about half of what
  it is without (``docs/performance.md``: RSS, PSS and USS per worker).
* After an upgrade, restart the service: with the app preloaded, a HUP starts
  new workers from the old code.
"""

import gc

timeout = 60  # no web request comes near it: large exports and reports are jobs
max_requests = 2000
max_requests_jitter = 200
preload_app = True

gc.disable()  # until the workers are forked: no collection punches holes in shared pages


def pre_fork(server, worker):
    gc.freeze()  # what the master built is never scanned (nor written) by a worker's collector


def post_fork(server, worker):
    gc.enable()
    app = server.app.wsgi()  # the preloaded Flask app
    with app.app_context():
        from app.extensions import db

        for engine in db.engines.values():
            engine.dispose(close=False)  # the master's pool (empty) is not this worker's


"""Start the development server: migrate, load demo data on an empty
database, print the demo accounts, serve on http://127.0.0.1:8080."""

from __future__ import annotations

import os

from flask_migrate import upgrade

from app import create_app


def prepare(app) -> None:
    from app.demo.load import DEMO_ACCOUNTS, database_is_empty, load_demo
    from app.security.sync import sync_roles

    with app.app_context():
        upgrade(revision="heads")
        sync_roles()
        if database_is_empty():
            load_demo(quarter=True)
            print("已载入演示数据。演示账号（密码均为 DEMO_PASSWORD，默认见 README）：")
            for acc in DEMO_ACCOUNTS:
                print(f"  {acc.mobile}  {'、'.join(acc.roles):<8} {acc.unit}")


def main() -> None:
    app = create_app()
    prepare(app)
    from app.reports.tasks import start_consumer_thread

    start_consumer_thread(app)  # background report jobs inside the development server
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"改革报表 运行于 http://{host}:{port}")
    app.run(host=host, port=port, debug=False)


if __name__ == "__main__":
    main()

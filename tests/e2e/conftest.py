def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives a real browser against a local JupyterLab")

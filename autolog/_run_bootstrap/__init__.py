"""Not imported as a package: ``autolog run`` puts this directory on PYTHONPATH for its sitecustomize."""

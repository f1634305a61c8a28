"""autolog's own hook implementations, registered like any third-party plugin."""

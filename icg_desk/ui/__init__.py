"""The Qt widgets: thin, over scoring/ and models/."""

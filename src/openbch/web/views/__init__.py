"""One module per page; each view reads through the record and search services and renders a template."""

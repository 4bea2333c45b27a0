"""Records: storage, the change log, the audit log, and the services that change them."""

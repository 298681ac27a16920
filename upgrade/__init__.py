"""`tox -e upgrade -- FROM TO`: can we take this upgrade? Both sides measured in one job."""

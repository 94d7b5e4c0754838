"""placeholder"""
def resources_for() -> None:
    """placeholder"""

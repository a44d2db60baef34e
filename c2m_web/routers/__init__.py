"""One router per page group: auth, imports (upload), plan, nights (replans), users."""

"""Core value types shared by every layer: errors, multilingual text, actors."""

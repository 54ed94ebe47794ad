"""The LLM prompt templates (*.txt), shipped as package data and read by assistant/prompting.py."""

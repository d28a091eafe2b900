"""The LLM interviewer: any OpenAI-compatible chat endpoint, through the openai package."""

from voicemock.llm.client import ChatClient, LLMConfig, LLMError, Usage, resolve_llm_config

__all__ = ["ChatClient", "LLMConfig", "LLMError", "Usage", "resolve_llm_config"]

"""Which SDK class each provider body parses into: the ``__type__`` of a typed payload.

The paths are data, fixed here rather than read from whatever SDK is installed, so a
recording's bytes do not depend on the SDK version that made it. OpenAI bodies name
their kind in ``object``, Responses API and Anthropic stream events in ``type``;
Ollama's bodies name nothing, so the endpoint decides.
"""

from __future__ import annotations

from typing import Any

_O = "openai.types."
_R = "openai.types.responses."
_A = "anthropic.types."
_OLLAMA = "ollama._types."

# OpenAI's "object" field.
OPENAI_OBJECTS = {
    "chat.completion": _O + "chat.chat_completion.ChatCompletion",
    "chat.completion.chunk": _O + "chat.chat_completion_chunk.ChatCompletionChunk",
    "text_completion": _O + "completion.Completion",
    "model": _O + "model.Model",
    "response": _R + "response.Response",
    "file": _O + "file_object.FileObject",
    "vector_store": _O + "vector_store.VectorStore",
}
# What a DELETE answers: the deleted object's kind and ``"deleted": true``.
OPENAI_DELETED = {
    "file": _O + "file_deleted.FileDeleted",
    "model": _O + "model_deleted.ModelDeleted",
}
EMBEDDINGS = _O + "create_embedding_response.CreateEmbeddingResponse"

# Bodies that carry no kind of their own, by the endpoint they answer (the path's last segments).
ENDPOINTS = {
    "/images/generations": _O + "images_response.ImagesResponse",
    "/images/edits": _O + "images_response.ImagesResponse",
    "/audio/transcriptions": _O + "audio.transcription.Transcription",
    "/audio/translations": _O + "audio.translation.Translation",
    "/api/chat": _OLLAMA + "ChatResponse",
    "/api/generate": _OLLAMA + "GenerateResponse",
    "/api/embed": _OLLAMA + "EmbedResponse",
    "/api/embeddings": _OLLAMA + "EmbeddingsResponse",
    "/api/tags": _OLLAMA + "ListResponse",
    "/api/ps": _OLLAMA + "ProcessResponse",
    "/api/show": _OLLAMA + "ShowResponse",
}

RESPONSES_EVENTS = {
    "response.audio.delta": _R + "response_audio_delta_event.ResponseAudioDeltaEvent",
    "response.audio.done": _R + "response_audio_done_event.ResponseAudioDoneEvent",
    "response.audio.transcript.delta": _R
    + "response_audio_transcript_delta_event.ResponseAudioTranscriptDeltaEvent",
    "response.audio.transcript.done": _R
    + "response_audio_transcript_done_event.ResponseAudioTranscriptDoneEvent",
    "response.code_interpreter_call_code.delta": _R
    + "response_code_interpreter_call_code_delta_event.ResponseCodeInterpreterCallCodeDeltaEvent",
    "response.code_interpreter_call_code.done": _R
    + "response_code_interpreter_call_code_done_event.ResponseCodeInterpreterCallCodeDoneEvent",
    "response.code_interpreter_call.completed": _R
    + "response_code_interpreter_call_completed_event.ResponseCodeInterpreterCallCompletedEvent",
    "response.code_interpreter_call.in_progress": _R
    + "response_code_interpreter_call_in_progress_event.ResponseCodeInterpreterCallInProgressEvent",
    "response.code_interpreter_call.interpreting": _R
    + "response_code_interpreter_call_interpreting_event.ResponseCodeInterpreterCallInterpretingEvent",
    "response.compaction.compacting": _R
    + "response_compaction_compacting_event.ResponseCompactionCompactingEvent",
    "response.completed": _R + "response_completed_event.ResponseCompletedEvent",
    "response.content_part.added": _R + "response_content_part_added_event.ResponseContentPartAddedEvent",
    "response.content_part.done": _R + "response_content_part_done_event.ResponseContentPartDoneEvent",
    "response.created": _R + "response_created_event.ResponseCreatedEvent",
    "error": _R + "response_error_event.ResponseErrorEvent",
    "response.file_search_call.completed": _R
    + "response_file_search_call_completed_event.ResponseFileSearchCallCompletedEvent",
    "response.file_search_call.in_progress": _R
    + "response_file_search_call_in_progress_event.ResponseFileSearchCallInProgressEvent",
    "response.file_search_call.searching": _R
    + "response_file_search_call_searching_event.ResponseFileSearchCallSearchingEvent",
    "response.function_call_arguments.delta": _R
    + "response_function_call_arguments_delta_event.ResponseFunctionCallArgumentsDeltaEvent",
    "response.function_call_arguments.done": _R
    + "response_function_call_arguments_done_event.ResponseFunctionCallArgumentsDoneEvent",
    "response.shell_call_command.added": _R
    + "response_shell_call_command_added_event.ResponseShellCallCommandAddedEvent",
    "response.shell_call_command.delta": _R
    + "response_shell_call_command_delta_event.ResponseShellCallCommandDeltaEvent",
    "response.shell_call_command.done": _R
    + "response_shell_call_command_done_event.ResponseShellCallCommandDoneEvent",
    "response.shell_call_output_content.delta": _R
    + "response_shell_call_output_content_delta_event.ResponseShellCallOutputContentDeltaEvent",
    "response.shell_call_output_content.done": _R
    + "response_shell_call_output_content_done_event.ResponseShellCallOutputContentDoneEvent",
    "response.in_progress": _R + "response_in_progress_event.ResponseInProgressEvent",
    "response.failed": _R + "response_failed_event.ResponseFailedEvent",
    "response.incomplete": _R + "response_incomplete_event.ResponseIncompleteEvent",
    "response.output_item.added": _R + "response_output_item_added_event.ResponseOutputItemAddedEvent",
    "response.output_item.done": _R + "response_output_item_done_event.ResponseOutputItemDoneEvent",
    "response.reasoning_summary_part.added": _R
    + "response_reasoning_summary_part_added_event.ResponseReasoningSummaryPartAddedEvent",
    "response.reasoning_summary_part.done": _R
    + "response_reasoning_summary_part_done_event.ResponseReasoningSummaryPartDoneEvent",
    "response.reasoning_summary_text.delta": _R
    + "response_reasoning_summary_text_delta_event.ResponseReasoningSummaryTextDeltaEvent",
    "response.reasoning_summary_text.done": _R
    + "response_reasoning_summary_text_done_event.ResponseReasoningSummaryTextDoneEvent",
    "response.reasoning_text.delta": _R
    + "response_reasoning_text_delta_event.ResponseReasoningTextDeltaEvent",
    "response.reasoning_text.done": _R + "response_reasoning_text_done_event.ResponseReasoningTextDoneEvent",
    "response.refusal.delta": _R + "response_refusal_delta_event.ResponseRefusalDeltaEvent",
    "response.refusal.done": _R + "response_refusal_done_event.ResponseRefusalDoneEvent",
    "response.output_text.delta": _R + "response_text_delta_event.ResponseTextDeltaEvent",
    "response.output_text.done": _R + "response_text_done_event.ResponseTextDoneEvent",
    "response.web_search_call.completed": _R
    + "response_web_search_call_completed_event.ResponseWebSearchCallCompletedEvent",
    "response.web_search_call.in_progress": _R
    + "response_web_search_call_in_progress_event.ResponseWebSearchCallInProgressEvent",
    "response.web_search_call.searching": _R
    + "response_web_search_call_searching_event.ResponseWebSearchCallSearchingEvent",
    "response.image_generation_call.completed": _R
    + "response_image_gen_call_completed_event.ResponseImageGenCallCompletedEvent",
    "response.image_generation_call.generating": _R
    + "response_image_gen_call_generating_event.ResponseImageGenCallGeneratingEvent",
    "response.image_generation_call.in_progress": _R
    + "response_image_gen_call_in_progress_event.ResponseImageGenCallInProgressEvent",
    "response.image_generation_call.partial_image": _R
    + "response_image_gen_call_partial_image_event.ResponseImageGenCallPartialImageEvent",
    "response.mcp_call_arguments.delta": _R
    + "response_mcp_call_arguments_delta_event.ResponseMcpCallArgumentsDeltaEvent",
    "response.mcp_call_arguments.done": _R
    + "response_mcp_call_arguments_done_event.ResponseMcpCallArgumentsDoneEvent",
    "response.mcp_call.completed": _R + "response_mcp_call_completed_event.ResponseMcpCallCompletedEvent",
    "response.mcp_call.failed": _R + "response_mcp_call_failed_event.ResponseMcpCallFailedEvent",
    "response.mcp_call.in_progress": _R
    + "response_mcp_call_in_progress_event.ResponseMcpCallInProgressEvent",
    "response.mcp_list_tools.completed": _R
    + "response_mcp_list_tools_completed_event.ResponseMcpListToolsCompletedEvent",
    "response.mcp_list_tools.failed": _R
    + "response_mcp_list_tools_failed_event.ResponseMcpListToolsFailedEvent",
    "response.mcp_list_tools.in_progress": _R
    + "response_mcp_list_tools_in_progress_event.ResponseMcpListToolsInProgressEvent",
    "response.output_text.annotation.added": _R
    + "response_output_text_annotation_added_event.ResponseOutputTextAnnotationAddedEvent",
    "response.queued": _R + "response_queued_event.ResponseQueuedEvent",
    "response.custom_tool_call_input.delta": _R
    + "response_custom_tool_call_input_delta_event.ResponseCustomToolCallInputDeltaEvent",
    "response.custom_tool_call_input.done": _R
    + "response_custom_tool_call_input_done_event.ResponseCustomToolCallInputDoneEvent",
}
ANTHROPIC_EVENTS = {
    "message_start": _A + "raw_message_start_event.RawMessageStartEvent",
    "message_delta": _A + "raw_message_delta_event.RawMessageDeltaEvent",
    "message_stop": _A + "raw_message_stop_event.RawMessageStopEvent",
    "content_block_start": _A + "raw_content_block_start_event.RawContentBlockStartEvent",
    "content_block_delta": _A + "raw_content_block_delta_event.RawContentBlockDeltaEvent",
    "content_block_stop": _A + "raw_content_block_stop_event.RawContentBlockStopEvent",
}

ANTHROPIC_MESSAGE = _A + "message.Message"


def sdk_type(value: dict[str, Any], endpoint: str) -> str | None:
    """The class path of a JSON object answering ``endpoint``, or None when we do not know it."""
    kind = value.get("object")
    if isinstance(kind, str) and "deleted" in value and kind in OPENAI_DELETED:
        return OPENAI_DELETED[kind]
    if isinstance(kind, str) and kind in OPENAI_OBJECTS:
        return OPENAI_OBJECTS[kind]
    event = value.get("type")
    if isinstance(event, str):
        if endpoint.endswith("/messages"):
            return ANTHROPIC_MESSAGE if event == "message" else ANTHROPIC_EVENTS.get(event)
        if "/responses" in endpoint:
            return RESPONSES_EVENTS.get(event)
    for suffix, path in ENDPOINTS.items():
        if endpoint.endswith(suffix):
            return path
    return None

"""llama-stack's recordings: the content index that finds them, their conversion into recordings,
and the google-genai mapping. An optional feature: nothing else depends on a llama-stack file.
"""

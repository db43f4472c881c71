"""The pipeline's stages, each a pure ``step(state, chunk) -> (output, state)``.

Fed once, a stage gives what the whole-recording analysis gives; fed in chunks of any
size, the same (tests/test_stages.py).  :class:`gaitcore.pipeline.Pipeline` composes
them: quality and repair, events, contacts and steps, and the stride (trajectory).
"""

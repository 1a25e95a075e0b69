"""Training (needs torch): data preparation, the two networks, the loop and ONNX export.

Nothing under propscan/ outside this package imports torch.
"""

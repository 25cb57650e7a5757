"""The compiler pipeline of generated kernel bodies (part of :mod:`.runtime`, which re-exports it)."""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import lowering
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import register_pass
from numba.core.typed_passes import NativeLowering

__all__ = ["KernelCompiler"]


class _NoAliasLower(lowering.Lower):
    """numba's lowering, with every array argument's data pointer marked ``noalias``: the kernel
    body's arrays never overlap (each is its own allocation, or a block of one), so LLVM need not
    guard its vectorised loops with run-time overlap checks between every pair of them (hundreds
    of comparisons in an adaptive kernel's trial loop, compiled in every fresh process)."""

    def pre_lower(self):
        super().pre_lower()
        llargs = {a.name: a for a in self.function.args}
        for name, ty in zip(self.fndesc.args, self.fndesc.argtypes, strict=True):
            if isinstance(ty, types.Array):
                pos = self.context.data_model_manager[ty].get_field_position("data")
                arg = llargs.get(f"arg.{name}.{pos}")
                if arg is not None and isinstance(arg.type, ir.PointerType):
                    arg.add_attribute("noalias")


@register_pass(mutates_CFG=True, analysis_only=False)
class _NoAliasLowering(NativeLowering):
    _name = "neurounits_noalias_lowering"

    @property
    def lowering_class(self):
        return _NoAliasLower


class KernelCompiler(CompilerBase):
    """numba's nopython pipeline, lowered by :class:`_NoAliasLower` (``pipeline_class`` of the
    generated kernel body: its array arguments are distinct arrays)."""

    def define_pipelines(self):
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.passes = [(_NoAliasLowering if cls is NativeLowering else cls, desc) for cls, desc in pm.passes]
        pm.finalize()
        return [pm]

"""Record types defined as data: one JSON definition per type, compiled once.

Validation, JSON Schema (API), search fields, facets, export columns and form layout all derive
from the definition; adding a type needs no code outside its definition file.
"""

from openbch.recordtypes.definition import DefinitionError, FieldDef, RecordType, compile_definition
from openbch.recordtypes.registry import get_record_type, record_types, register_record_type

__all__ = [
    "DefinitionError",
    "FieldDef",
    "RecordType",
    "compile_definition",
    "get_record_type",
    "record_types",
    "register_record_type",
]

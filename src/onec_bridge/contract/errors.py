"""Contract errors that name the file, the line, the offending value and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ContractError", "ContractProblem"]


@dataclass(frozen=True)
class ContractProblem:
    """One thing wrong with a contract, located as precisely as the source allows."""

    message: str
    file: str
    line: int | None = None
    column: int | None = None
    path: str = ""
    suggestion: str | None = None

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.path + ': ' if self.path else ''}{self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


@dataclass
class ContractError(Exception):
    """The contract cannot be used; ``problems`` lists every reason found."""

    problems: list[ContractProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = [problem.render() for problem in self.problems]
        return "\n".join(["The exchange contract is invalid:", *("  " + line for line in lines)])

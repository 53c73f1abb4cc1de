"""The exception tree of gitops-vela. Every error says how to react to it.

::

    GitopsVelaError                 stage (-> reason), retryable: bool
    ├── UserError                   bad input in Git: fix the file; never retried
    │   ├── AppfileError            an Appfile (YAML, names, parameters, traits)
    │   ├── DefinitionError         a WorkloadDefinition / TraitDefinition
    │   ├── RenderError             a template failed to compile, run, or finish in time
    │   └── ConfigError             the daemon's config file or command-line flags
    ├── SourceError                 Git: clone, fetch, ls-remote, auth (retryable)
    ├── ClusterError                Kubernetes API (retryable unless said otherwise)
    │   ├── ClusterUnreachable      connection refused, timeouts
    │   ├── ApiError                the API server answered with a failure Status
    │   │   └── ImmutableFieldError an update needs delete-and-recreate (not retryable)
    │   ├── HealthCheckError        health could not be assessed
    │   └── UnknownKindError        the cluster serves no such kind (not retryable)
    ├── PruneError                  deleting stale objects failed (retryable)
    └── StatusError                 writing the status branch failed (retryable)

Each class names the pipeline stage it belongs to, so its ``reason`` comes from
the one table (``PipelineStage`` in ``model.status``); ``retryable`` says how to
react: the scheduler backs off and retries a retryable failure, and keeps a
repository whose failure is not retryable on its plain interval (retrying
sooner or more often cannot help until its input changes).

User errors carry ``Diagnostic`` values (``path:line: key: message``) so one
exception can report every problem in a file. Third-party exceptions are
translated into this tree once, at the boundary that calls them, with
``raise ... from exc``. Messages never contain secrets or credentials.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.status import PipelineStage, Reason


class GitopsVelaError(Exception):
    """Base of every error gitops-vela raises on purpose."""

    stage: PipelineStage | None = None  # None: outside every stage (e.g. start-up)
    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable

    @property
    def reason(self) -> Reason:
        return self.stage.reason if self.stage is not None else Reason.RECONCILIATION_FAILED


class UserError(GitopsVelaError):
    """Input a person must fix; it carries one or more diagnostics."""

    stage: PipelineStage | None = PipelineStage.BUILD
    retryable = False

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]) -> None:
        items = (diagnostics,) if isinstance(diagnostics, Diagnostic) else tuple(diagnostics)
        if not items:
            raise ValueError("a UserError needs at least one diagnostic")
        self.diagnostics: tuple[Diagnostic, ...] = items
        super().__init__("\n".join(str(d) for d in items))


class AppfileError(UserError):
    """An Appfile is malformed or its values do not fit the definitions."""


class DefinitionError(UserError):
    """A capability definition is malformed or inconsistent."""


class RenderError(UserError):
    """A template failed to compile, failed at run time, or ran out of time."""


class ConfigError(UserError):
    """The daemon's configuration (file or flags) is invalid."""

    stage = None


class SourceError(GitopsVelaError):
    """A Git operation failed; the last good state is kept and retried."""

    stage = PipelineStage.SOURCE
    retryable = True


class NotReady(SourceError):
    """Waiting, not failing: nothing may run yet (no commit promoted to this environment).
    Polled again at the usual interval, not backed off; logged at info, not as a failure."""

    retryable = False


class ClusterError(GitopsVelaError):
    """Talking to Kubernetes failed."""

    stage = PipelineStage.APPLY
    retryable = True


class ClusterUnreachable(ClusterError):
    """The API server could not be reached (refused, reset, timed out)."""


class ApiError(ClusterError):
    """The API server answered with a failure ``Status``."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        api_reason: str = "",
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        if retryable is None:
            retryable = status >= 500 or status in (408, 429)
        super().__init__(message, retryable=retryable)
        self.status = status
        self.api_reason = api_reason
        self.retry_after = retry_after


class ImmutableFieldError(ApiError):
    """An update touched an immutable field; only delete-and-recreate helps."""

    retryable = False


class HealthCheckError(ClusterError):
    """Health could not be assessed (e.g. a healthPolicy failed)."""

    stage = PipelineStage.HEALTH


class PruneError(GitopsVelaError):
    """Deleting stale objects failed."""

    stage = PipelineStage.PRUNE
    retryable = True


class StatusError(GitopsVelaError):
    """Writing the status branch failed."""

    stage = PipelineStage.STATUS
    retryable = True


class UnknownKindError(ClusterError):
    """The cluster serves no such kind (its CRD is missing, or apiVersion has a typo)."""

    retryable = False

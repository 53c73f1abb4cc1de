# gitops-vela: the daemon image.
#   docker build -t gitops-vela .
#   docker run --rm gitops-vela --help
# Stage 1 builds a virtualenv with the package and its dependencies (wheels:
# gojsonnet ships manylinux wheels, so no Go toolchain is needed); stage 2 is
# a slim runtime with git and ssh, running as a non-root user.

ARG PYTHON_VERSION=3.11
# Pin the base by digest for reproducible builds:
#   --build-arg BASE=python:3.11-slim@sha256:<digest>
ARG BASE=python:${PYTHON_VERSION}-slim

FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/gitops-vela
WORKDIR /src
# Dependencies first: this layer is reused until pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir gitops_vela && touch gitops_vela/__init__.py \
 && /opt/gitops-vela/bin/pip install . \
 && /opt/gitops-vela/bin/pip uninstall -y gitops-vela
COPY gitops_vela ./gitops_vela
RUN /opt/gitops-vela/bin/pip install --no-deps . \
 && /opt/gitops-vela/bin/gitops-vela --version

FROM ${BASE}
# DL3008 (pin apt versions) is declined on purpose: the slim image follows
# Debian stable, whose archive keeps only the current version of a package,
# so a pinned git or openssh-client would fail the build at the next security
# update instead of receiving it. Reproducible builds pin the base image by
# digest instead (BASE above).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 gitops-vela \
 && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin gitops-vela \
 && mkdir -p /var/cache/gitops-vela /etc/gitops-vela \
 && chown 65532:65532 /var/cache/gitops-vela
COPY --from=build /opt/gitops-vela /opt/gitops-vela
ENV PATH=/opt/gitops-vela/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    GITOPS_VELA_CACHE_DIR=/var/cache/gitops-vela
USER 65532:65532
EXPOSE 9440
VOLUME ["/var/cache/gitops-vela"]
# tini forwards SIGTERM to the daemon, which finishes the apply in flight.
ENTRYPOINT ["tini", "--", "gitops-vela"]
CMD ["run", "--config", "/etc/gitops-vela/config.yaml"]

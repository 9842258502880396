"""Offline validation of deploy/: Kubernetes manifests, Dockerfile, collector config.

No cluster and no docker here, so: a vendored subset of the Kubernetes schema
(``k8s_schema/workload.json``) for field names and types, plus the cross-references the API
server would not catch (selectors, named ports, probes, mounts, the embedded guard config).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from guard.errors import ConfigError
from guard.sidecar.config import SidecarConfig, hash_key, load_config
from guard.sidecar.exposure import check_exposure

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SCHEMA = json.loads((Path(__file__).parent / "k8s_schema" / "workload.json").read_text())
KIND_DEF = {"ConfigMap": "ConfigMap", "Deployment": "Deployment", "Service": "Service",
            "HorizontalPodAutoscaler": "HPA", "PodDisruptionBudget": "PDB"}
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifests_match_the_kubernetes_schema(path: Path) -> None:
    for doc in docs(path):
        schema = {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{KIND_DEF[doc['kind']]}"}
        jsonschema.validate(doc, schema)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifests_are_consistent(path: Path, tmp_path: Path) -> None:
    objects = docs(path)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in objects:
        by_kind.setdefault(doc["kind"], []).append(doc)
    configmaps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    deployments = by_kind["Deployment"]
    for dep in deployments:
        template = dep["spec"]["template"]
        labels = template["metadata"]["labels"]
        assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
        pod = template["spec"]
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        guard = next(c for c in pod["containers"] if c["name"] == "guard")
        ports = {p["name"]: p["containerPort"] for p in guard["ports"]}
        assert ports["http"] == 8080
        sec = guard["securityContext"]
        assert sec["runAsNonRoot"] and sec["runAsUser"] != 0
        assert sec["readOnlyRootFilesystem"] and not sec["allowPrivilegeEscalation"]
        assert guard["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert guard["livenessProbe"]["httpGet"]["path"] == "/healthz"
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            assert guard[probe]["httpGet"]["port"] in ports
        assert "limits" in guard["resources"] and "requests" in guard["resources"]
        mounts = {m["mountPath"]: m["name"] for m in guard["volumeMounts"]}
        assert "/tmp" in mounts  # writable scratch on a read-only root
        for name in mounts.values():
            assert name in volumes
        config_path = guard["args"][guard["args"].index("--config") + 1]
        config_dir = str(Path(config_path).parent)
        configmap = configmaps[volumes[mounts[config_dir]]["configMap"]["name"]]
        config_file = tmp_path / Path(config_path).name
        config_file.write_text(configmap["data"][config_file.name])
        config = load_config(config_file, env={})  # the embedded config is valid
        assert config.server.port == 8080
        check_exposure(config)  # 0.0.0.0 only with keys (issue 11 item 20)
        grace = pod.get("terminationGracePeriodSeconds", 30)
        assert config.server.shutdown_grace_s < grace  # streams end before SIGKILL
        for service in by_kind.get("Service", []):
            if service["spec"]["selector"].items() <= labels.items():
                for port in service["spec"]["ports"]:
                    assert port["targetPort"] in ports or port["targetPort"] in ports.values()
    names = {d["metadata"]["name"] for d in deployments}
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in names
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for service in by_kind.get("Service", []):
        assert any(service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"][
            "labels"].items() for d in deployments), "service selects no pod"


def test_both_topologies_are_shipped() -> None:
    kinds = {p.name: {d["kind"] for d in docs(p)} for p in MANIFESTS}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler"} <= kinds["standalone.yaml"]
    sidecar = docs(DEPLOY / "k8s" / "sidecar.yaml")
    pod = next(d for d in sidecar if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert {c["name"] for c in pod["containers"]} == {"model", "guard"}


def test_dockerfile_is_multistage_non_root_with_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    stages = [ln for ln in lines if ln.startswith("FROM ")]
    assert len(stages) >= 2 and all(":latest" not in s for s in stages)
    final = text[text.rindex("\nFROM "):]
    user = re.search(r"^USER\s+(\S+)", final, re.M)
    assert user is not None and user.group(1).split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK .*?/healthz", final, re.M | re.S)
    assert re.search(r"^EXPOSE 8080", final, re.M)
    assert "COPY --from=builder /opt/venv" in final
    assert re.search(r'^ENTRYPOINT \["guard", "serve"\]', final, re.M)
    assert not re.search(r"^ADD\s+https?://", text, re.M)
    for src in re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", text, re.M):
        for item in src.split():
            if item != "README.md":  # the lead's top-level README (pyproject's readme)
                assert (REPO / item).exists(), f"COPY source missing: {item}"


def test_image_config_is_valid() -> None:
    with pytest.raises(ConfigError, match="GUARD_TENANT_KEY_HASH"):
        load_config(DEPLOY / "guard.yaml", env={})  # no key, no start: never an open relay
    config = load_config(DEPLOY / "guard.yaml", env={"GUARD_TENANT_KEY_HASH": hash_key("k")})
    assert isinstance(config, SidecarConfig)
    assert config.upstreams["model"].base_url == "http://127.0.0.1:8000/v1"
    assert config.server.host == "0.0.0.0"
    check_exposure(config)
    assert config.tenant_for_key("k") == "default"
    assert config.server.shutdown_grace_s < 30


def test_otel_collector_pipelines_reference_defined_components() -> None:
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    service = config["service"]
    assert set(service["pipelines"]) == {"traces", "metrics", "logs"}
    for pipeline in service["pipelines"].values():
        for section in ("receivers", "processors", "exporters"):
            for name in pipeline.get(section, []):
                assert name in config[section], f"{section}: {name} not defined"
    for name in service.get("extensions", []):
        assert name in config["extensions"]

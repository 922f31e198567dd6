"""The deployment files agree with the code and with Kubernetes: the kustomizations under
deploy/k8s are rendered (by a small renderer below: kustomize is not installed everywhere) and
checked against the Kubernetes 1.30 schemas, then against what a reviewer would check by hand;
deploy/compose.yaml and deploy/Dockerfile are held to the same processes and entry points."""

from __future__ import annotations

import ast
import base64
import copy
import functools
import http.server
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from crmkit.settings import Settings
from suite.cli import SERVICES, VERBS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SECRET_EXAMPLE = K8S / "overlays" / "local" / "secrets.example.env"
KUBERNETES = "1.30"
VARIANTS = ("base", "overlays/production", "overlays/local")
PLACEHOLDER = "change-me"
LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of")

Doc = dict[str, Any]


# ---- A kustomize for exactly the features deploy/k8s uses; anything else fails loudly.

KUSTOMIZATION_FIELDS = {
    "apiVersion",
    "kind",
    "namespace",
    "labels",
    "resources",
    "images",
    "patches",
    "secretGenerator",
    "generatorOptions",
}
CLUSTER_WIDE = {"Namespace"}
WITH_POD_TEMPLATE = {"Deployment", "Job"}


def render(directory: Path) -> list[Doc]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    assert not unknown, f"{directory}: the test's renderer does not know {sorted(unknown)}"
    documents: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        documents += render(path) if path.is_dir() else list(_load(path))
    documents += _generated_secrets(directory, kustomization)
    for patch in kustomization.get("patches", []):
        _apply_patch(documents, patch)
    for labels in kustomization.get("labels", []):
        _add_labels(documents, labels)
    for image in kustomization.get("images", []):
        _set_image(documents, image)
    if "namespace" in kustomization:
        for document in documents:
            if document["kind"] not in CLUSTER_WIDE:
                document["metadata"]["namespace"] = kustomization["namespace"]
    return documents


def _load(path: Path) -> Iterator[Doc]:
    return (document for document in yaml.safe_load_all(path.read_text()) if document)


def _generated_secrets(directory: Path, kustomization: Doc) -> list[Doc]:
    generators = kustomization.get("secretGenerator", [])
    options = kustomization.get("generatorOptions", {})
    assert set(options) <= {"disableNameSuffixHash", "labels"}
    if generators:
        # Hashed names would need every reference rewritten, which this renderer does not do.
        assert options.get("disableNameSuffixHash") is True
    secrets = []
    for generator in generators:
        assert set(generator) <= {"name", "envs"}
        data: dict[str, str] = {}
        for env_file in generator["envs"]:
            data.update(read_env_file(directory / env_file))
        secrets.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": generator["name"], "labels": dict(options.get("labels", {}))},
                "type": "Opaque",
                "data": {
                    key: base64.b64encode(value.encode()).decode() for key, value in data.items()
                },
            }
        )
    return secrets


def _apply_patch(documents: list[Doc], patch: Doc) -> None:
    target = patch["target"]
    assert set(target) <= {"kind", "name", "labelSelector"}, target
    operations = yaml.safe_load(patch["patch"])
    assert isinstance(operations, list), "only JSON 6902 patches are rendered here"
    matched = [document for document in documents if _matches(document, target)]
    assert matched, f"the patch target {target} matches nothing"
    for document in matched:
        for operation in operations:
            _json_patch(document, operation)


def _matches(document: Doc, target: Doc) -> bool:
    if "kind" in target and target["kind"] != document["kind"]:
        return False
    if "name" in target and not re.fullmatch(target["name"], document["metadata"]["name"]):
        return False
    labels = document["metadata"].get("labels", {})
    wanted = (term.split("=") for term in target.get("labelSelector", "").split(",") if term)
    return all(labels.get(key) == value for key, value in wanted)


def _json_patch(document: Doc, operation: Doc) -> None:
    *parents, last = (
        part.replace("~1", "/").replace("~0", "~") for part in operation["path"].split("/")[1:]
    )
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = (len(node) if last == "-" else int(last)) if isinstance(node, list) else last
    if operation["op"] == "replace":
        assert (key in node) if isinstance(node, dict) else (key < len(node)), operation
        node[key] = operation["value"]
    elif operation["op"] == "add" and isinstance(node, list):
        node.insert(key, operation["value"])
    elif operation["op"] == "add":
        node[key] = operation["value"]
    elif operation["op"] == "remove":
        del node[key]
    else:
        raise AssertionError(f"JSON patch operation {operation['op']} is not rendered here")


def _add_labels(documents: list[Doc], entry: Doc) -> None:
    assert set(entry) <= {"pairs", "includeTemplates", "includeSelectors"}
    assert not entry.get("includeSelectors"), "selectors are immutable: leave them alone"
    for document in documents:
        document["metadata"].setdefault("labels", {}).update(entry["pairs"])
        if entry.get("includeTemplates") and document["kind"] in WITH_POD_TEMPLATE:
            template = document["spec"]["template"]["metadata"]
            template.setdefault("labels", {}).update(entry["pairs"])


def _set_image(documents: list[Doc], rule: Doc) -> None:
    assert set(rule) <= {"name", "newName", "newTag"}
    for document in documents:
        for container in containers(document):
            name, _, tag = container["image"].partition(":")
            if name == rule["name"]:
                tag = rule.get("newTag", tag)
                container["image"] = rule.get("newName", name) + (f":{tag}" if tag else "")


# ---- What the tests look at.


@functools.cache
def _rendered(variant: str) -> tuple[Doc, ...]:
    return tuple(render(K8S / variant))


def rendered(variant: str) -> list[Doc]:
    return copy.deepcopy(list(_rendered(variant)))


def of_kind(documents: list[Doc], kind: str) -> list[Doc]:
    return [document for document in documents if document["kind"] == kind]


def named(documents: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in of_kind(documents, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def containers(document: Doc) -> list[Doc]:
    if document["kind"] not in WITH_POD_TEMPLATE:
        return []
    spec = document["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def argv(container: Doc) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def process_of(deployment: Doc) -> tuple[str, str]:
    """(service, verb) of a `crm <service> <verb>` Deployment; ("gateway", "serve") for gunicorn."""
    command = argv(deployment["spec"]["template"]["spec"]["containers"][0])
    if command[0] == "gunicorn":
        return "gateway", "serve"
    return command[1], command[2]


def deployments(variant: str, verb: str | None = None) -> list[Doc]:
    return [d for d in of_kind(rendered(variant), "Deployment") if verb in (None, process_of(d)[1])]


def config(variant: str) -> dict[str, str]:
    data: dict[str, str] = named(rendered(variant), "ConfigMap", "hoa-crm-config")["data"]
    return data


def secret_keys(container: Doc) -> set[str]:
    keys = set()
    for variable in container.get("env", []):
        reference = variable.get("valueFrom", {}).get("secretKeyRef")
        if reference:
            assert reference["name"] == "hoa-crm-secrets", variable
            assert variable["name"] == reference["key"], variable
            keys.add(reference["key"])
    return keys


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as kustomize's `envs` and compose's env files read them."""
    lines = (line.strip() for line in path.read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def compose() -> Doc:
    found: Doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return found


def app_services() -> dict[str, Doc]:
    """The compose services that run the Hoa CRM image."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if "CRM_IMAGE" in service.get("image", "")
    }


def procfile() -> dict[str, list[str]]:
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    return {
        name.strip(): shlex.split(command)
        for name, _, command in (line.partition(":") for line in lines if line.strip())
    }


def as_crm_command(procfile_command: list[str]) -> list[str]:
    """`.venv/bin/python -m services.deals worker` → `crm deals worker`; gunicorn stays."""
    if "-m" in procfile_command:
        module = procfile_command[procfile_command.index("-m") + 1]
        return ["crm", module.removeprefix("services."), *procfile_command[-1:]]
    return [Path(procfile_command[0]).name, *procfile_command[1:]]


def same_process(command: list[str], procfile_command: list[str]) -> bool:
    """The same `crm` command; gunicorn with the same application (its flags may differ)."""
    if procfile_command[0] == "gunicorn":
        return command[0] == "gunicorn" and command[-1] == procfile_command[-1]
    return command == procfile_command


def entry_point_problem(command: list[str]) -> str | None:
    """Why `command` does not start a real Hoa CRM process, or None when it does."""
    if command[:1] == ["gunicorn"]:
        target = command[-1]
        module = ROOT / (target.split(":")[0].replace(".", "/") + ".py")
        return None if target == "gateway.wsgi:app" and module.exists() else f"gunicorn {target}"
    if command[:1] != ["crm"]:
        return f"not crm or gunicorn: {command}"
    if command[1:] in (["migrate-all"], ["bootstrap"]):
        return None
    if len(command) != 3 or command[1] not in SERVICES or command[2] not in VERBS:
        return f"not crm <{'|'.join(SERVICES)}> <{'|'.join(VERBS)}>: {command}"
    main = ROOT / "services" / command[1] / "entrypoints" / "main.py"
    defined = {node.name for node in ast.parse(main.read_text()).body if hasattr(node, "name")}
    return None if command[2] in defined else f"{main} has no {command[2]}()"


def probe_script() -> str:
    found = re.search(r"<<'EOF' /usr/local/bin/crm-probe\n(.*?)\nEOF\n", dockerfile(), re.S)
    assert found, "the crm-probe heredoc is gone from deploy/Dockerfile"
    return found[1]


def probe_checks() -> set[str]:
    return set(re.findall(r'"(\w+)": \w+', probe_script().split("CHECKS = ", 1)[1]))


def image_user() -> int:
    return int(re.findall(r"^USER (\d+):\d+$", dockerfile(), re.M)[-1])


def image_env(name: str) -> str:
    return re.findall(rf"\b{name}=(\S+)", dockerfile())[-1]


# ---- Kubernetes


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_rendered_manifest_is_valid_for_kubernetes_1_30(variant: str) -> None:
    problems = []
    for document in rendered(variant):
        try:
            kubernetes_validate.validate(document, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{document['kind']} {document['metadata']['name']}: {error.message}")
    assert not problems, "\n".join(problems)


def test_the_renderer_agrees_with_kustomize_where_kubectl_is_installed() -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (with its kustomize) is not installed")
    for variant in VARIANTS:
        output = subprocess.run(
            ["kubectl", "kustomize", str(K8S / variant)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout

        def by_name(documents: list[Doc]) -> dict[tuple[str, str], Doc]:
            for secret in of_kind(documents, "Secret"):  # kustomize wraps long base64 lines
                secret["data"] = {k: base64.b64decode(v) for k, v in secret["data"].items()}
            return {(d["kind"], d["metadata"]["name"]): d for d in documents}

        assert by_name(rendered(variant)) == by_name([d for d in yaml.safe_load_all(output) if d])


def test_every_procfile_process_has_a_deployment_that_runs_it() -> None:
    base = {d["metadata"]["name"]: d for d in deployments("base")}
    for name, command in procfile().items():
        deployment = base.get(name.replace("_", "-"))
        assert deployment, f"no Deployment for the Procfile's {name}"
        actual = argv(deployment["spec"]["template"]["spec"]["containers"][0])
        assert same_process(actual, as_crm_command(command)), (name, actual)
    assert len(base) == len(procfile())


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_deployment_has_readiness_and_liveness_probes_and_resources(variant: str) -> None:
    for document in [*of_kind(rendered(variant), "Deployment"), *of_kind(rendered(variant), "Job")]:
        for container in containers(document):
            where = f"{document['metadata']['name']}/{container['name']}"
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert set(resources.get(kind, {})) == {"cpu", "memory"}, where
            if document["kind"] == "Deployment":
                assert "readinessProbe" in container, where
                assert "livenessProbe" in container, where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_grpc_server_is_probed_with_the_standard_health_service_on_its_port(
    variant: str,
) -> None:
    servers = [d for d in deployments(variant, "serve") if process_of(d)[0] != "gateway"]
    assert {process_of(d)[0] for d in servers} == set(SERVICES)
    for deployment in servers:
        service = process_of(deployment)[0]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        port = Settings.from_env(config(variant)).grpc_port(service)
        assert container["ports"] == [{"name": "grpc", "containerPort": port}]
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": port, "service": ""}, (service, probe)


def test_the_gateway_is_ready_on_healthz_and_alive_on_a_path_that_needs_no_one_else(
    tmp_path: Path,
) -> None:
    from gateway.app import create_app

    container = named(rendered("base"), "Deployment", "gateway")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    liveness = container["livenessProbe"]["httpGet"]
    assert liveness["path"] != "/healthz"
    # No database, no gRPC server: the liveness path must still answer.
    unreachable = {
        "CRM_DATA_DIR": str(tmp_path),
        "CRM_GATEWAY_DB_URL": "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none",
        "CRM_JWT_SECRET": "test",
    }
    client = create_app(Settings.from_env(unreachable)).test_client()
    assert client.get(liveness["path"]).status_code == 200


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_grpc_server_has_a_headless_service_that_reaches_each_of_its_pods(
    variant: str,
) -> None:
    for deployment in deployments(variant, "serve"):
        service, _ = process_of(deployment)
        if service == "gateway":
            continue
        found = named(rendered(variant), "Service", service)
        assert found["spec"]["clusterIP"] == "None", f"{service}: not headless"
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert found["spec"]["selector"].items() <= pod_labels.items()
        # Headless: clients dial the pod's own port, there is no port mapping in between.
        port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
        assert [p["port"] for p in found["spec"]["ports"]] == [port["containerPort"]]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_service_address_in_the_config_names_a_headless_service_and_its_port(
    variant: str,
) -> None:
    addresses = {k: v for k, v in config(variant).items() if re.fullmatch(r"CRM_\w+_ADDR", k)}
    assert set(addresses) == {f"CRM_{service.upper()}_ADDR" for service in SERVICES}
    for variable, address in addresses.items():
        found = re.fullmatch(r"dns:///([a-z0-9-]+):(\d+)", address)
        assert found, (
            f"{variable}={address}: dns:///<service>:<port> lets round_robin see every pod"
        )
        service = named(rendered(variant), "Service", found[1])
        assert service["spec"].get("clusterIP") == "None", variable
        assert int(found[2]) in [port["port"] for port in service["spec"]["ports"]], variable


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_autoscaler_scales_a_deployment_that_leaves_the_count_to_it(variant: str) -> None:
    documents = rendered(variant)
    for autoscaler in of_kind(documents, "HorizontalPodAutoscaler"):
        target = autoscaler["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        deployment = named(documents, "Deployment", target["name"])
        assert "replicas" not in deployment["spec"], f"{target['name']}: an apply would reset it"
        assert 1 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_beat_runs_one_copy_is_replaced_not_rolled_and_is_never_autoscaled(variant: str) -> None:
    documents = rendered(variant)
    scaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(documents, "HorizontalPodAutoscaler")
    }
    beats = deployments(variant, "beat")
    assert {process_of(beat)[0] for beat in beats} == {"deals", "analytics", "mail"}
    for beat in beats:
        assert beat["spec"]["replicas"] == 1
        assert beat["spec"]["strategy"] == {"type": "Recreate"}
        assert beat["metadata"]["name"] not in scaled
    others = {d["metadata"]["name"] for d in deployments(variant)} - {
        beat["metadata"]["name"] for beat in beats
    }
    assert others <= scaled, f"not autoscaled: {sorted(others - scaled)}"


def test_the_migration_job_runs_migrate_all_and_then_bootstrap() -> None:
    job = named(rendered("base"), "Job", "hoa-crm-migrate")
    spec = job["spec"]["template"]["spec"]
    assert [argv(c) for c in spec["initContainers"]] == [["crm", "migrate-all"]]
    assert [argv(c) for c in spec["containers"]] == [["crm", "bootstrap"]]
    assert spec["restartPolicy"] == "Never"


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_process_reads_its_own_database_and_only_the_secrets_it_needs(variant: str) -> None:
    for deployment in deployments(variant):
        service, _ = process_of(deployment)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        if service == "gateway":
            expected = {"CRM_GATEWAY_DB_URL", "CRM_JWT_SECRET"}
        else:
            expected = {f"CRM_{service.upper()}_DB_URL", "CRM_AMQP_URL"}
            expected |= {"CRM_MAIL_SECRET_KEY"} if service == "mail" else set()
        assert secret_keys(container) == expected, deployment["metadata"]["name"]
    databases = {f"CRM_{name.upper()}_DB_URL" for name in (*SERVICES, "gateway")}
    spec = named(rendered(variant), "Job", "hoa-crm-migrate")["spec"]["template"]["spec"]
    assert secret_keys(spec["initContainers"][0]) == databases
    assert secret_keys(spec["containers"][0]) == databases | {"CRM_AMQP_URL", "CRM_ADMIN_PASSWORD"}


def test_the_secret_example_has_exactly_the_keys_the_manifests_read() -> None:
    documents = rendered("base")
    read = {key for d in documents for c in containers(d) for key in secret_keys(c)}
    assert set(read_env_file(SECRET_EXAMPLE)) == read
    assert not of_kind(documents, "Secret"), "the base must not carry a Secret"
    assert not of_kind(rendered("overlays/production"), "Secret")


def _real_looking(value: str) -> bool:
    """Anything but the placeholder, or a URL with any other password. A compose interpolation
    (`${POSTGRES_PASSWORD}`) counts as a placeholder: its value lives outside the repository."""
    value = re.sub(r"\$\{[^}]*\}", PLACEHOLDER, value)
    parts = urlsplit(value)
    if parts.scheme and parts.netloc:
        return parts.password not in (None, PLACEHOLDER)
    return value != PLACEHOLDER


def test_no_secret_and_no_example_holds_a_real_looking_secret() -> None:
    values = {
        f"Secret {d['metadata']['name']} {key}": base64.b64decode(value).decode()
        for variant in VARIANTS
        for d in of_kind(rendered(variant), "Secret")
        for key, value in d.get("data", {}).items()
    }
    values |= {f"{SECRET_EXAMPLE.name} {k}": v for k, v in read_env_file(SECRET_EXAMPLE).items()}
    example = read_env_file(DEPLOY / "compose.env.example")
    values |= {
        f"compose.env.example {key}": value
        for key, value in example.items()
        if re.search(r"PASSWORD|SECRET", key)
    }
    for service in compose()["services"].values():
        environment = service.get("environment", {})
        values |= {f"compose {key}": str(value) for key, value in environment.items()}
    secret = re.compile(r"PASSWORD|SECRET|_DB_URL$|AMQP_URL$|_PASS$")
    real = [
        w for w, value in values.items() if secret.search(w.split()[-1]) and _real_looking(value)
    ]
    assert not real, f"real-looking secrets: {real}"
    assert not re.search(r"^(ENV|ARG) .*(SECRET|PASSWORD)", dockerfile(), re.M)


@pytest.mark.parametrize("variant", VARIANTS)
def test_postgresql_and_rabbitmq_are_external_services_that_the_urls_name(variant: str) -> None:
    documents = rendered(variant)
    for name in ("postgres", "rabbitmq"):
        service = named(documents, "Service", name)
        assert service["spec"]["type"] == "ExternalName"
        if variant != "base":
            assert not service["spec"]["externalName"].endswith(".invalid"), (variant, name)
    hosts = {key: urlsplit(url).hostname for key, url in read_env_file(SECRET_EXAMPLE).items()}
    assert hosts["CRM_AMQP_URL"] == "rabbitmq"
    assert {host for key, host in hosts.items() if key.endswith("_DB_URL")} == {"postgres"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_object_carries_the_three_labels_and_every_selector_finds_its_pods(
    variant: str,
) -> None:
    documents = rendered(variant)
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in of_kind(documents, "Deployment")]
    for document in documents:
        where = f"{document['kind']} {document['metadata']['name']}"
        labels = document["metadata"].get("labels", {})
        assert set(LABELS) <= set(labels), where
        assert labels["app.kubernetes.io/part-of"] == "hoa-crm", where
        if document["kind"] in WITH_POD_TEMPLATE:
            template = document["spec"]["template"]["metadata"]["labels"]
            assert {k: labels[k] for k in LABELS} == {k: template[k] for k in LABELS}, where
            selector = document["spec"].get("selector", {}).get("matchLabels", {})
            assert selector.items() <= template.items(), where
        if document["kind"] == "Service" and "selector" in document["spec"]:
            selected = document["spec"]["selector"].items()
            assert sum(selected <= pod.items() for pod in pods) == 1, where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_pod_runs_as_the_image_user_without_privileges_on_a_read_only_root(
    variant: str,
) -> None:
    for document in rendered(variant):
        if document["kind"] not in WITH_POD_TEMPLATE:
            continue
        spec = document["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == image_user()
        assert spec["automountServiceAccountToken"] is False
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in containers(document):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["readOnlyRootFilesystem"] is True
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert set(mounts.values()) <= set(volumes), document["metadata"]["name"]
            assert "emptyDir" in volumes[mounts["/tmp"]]
            assert mounts[config(variant)["CRM_DATA_DIR"]] in volumes


@pytest.mark.parametrize("variant", VARIANTS)
def test_deals_and_mail_pods_share_their_file_store_and_every_claim_exists(variant: str) -> None:
    documents = rendered(variant)
    store = config(variant)["CRM_DATA_DIR"] + "/files"
    assert config(variant)["CRM_DATA_DIR"] == image_env("CRM_DATA_DIR")
    for deployment in deployments(variant):
        service, verb = process_of(deployment)
        spec = deployment["spec"]["template"]["spec"]
        mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in spec["volumes"]
            if "persistentVolumeClaim" in v
        }
        for claim in claims.values():
            named(documents, "PersistentVolumeClaim", claim)
        if service in ("deals", "mail") and verb in ("serve", "consume", "worker"):
            assert claims.get(mounts.get(store, "")) == f"{service}-files", (service, verb)


def test_production_pins_one_image_tag_and_keeps_two_copies_of_what_answers_requests() -> None:
    documents = rendered("overlays/production")
    images = {c["image"] for d in documents for c in containers(d)}
    assert len(images) == 1
    name, _, tag = images.pop().rpartition(":")
    assert "/" in name and tag and tag != "latest"
    for autoscaler in of_kind(documents, "HorizontalPodAutoscaler"):
        component = autoscaler["metadata"]["labels"]["app.kubernetes.io/component"]
        if component in ("grpc-server", "http-server"):
            assert autoscaler["spec"]["minReplicas"] >= 2, autoscaler["metadata"]["name"]
    ingress = named(documents, "Ingress", "gateway")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    gateway = named(documents, "Service", "gateway")
    assert backend["port"]["name"] in [port["name"] for port in gateway["spec"]["ports"]]


# ---- Commands, compose and the image


def all_commands() -> dict[str, list[str]]:
    commands = {
        f"k8s {variant} {d['metadata']['name']}/{c['name']}": argv(c)
        for variant in VARIANTS
        for d in rendered(variant)
        for c in containers(d)
    }
    for name, service in app_services().items():
        command = service["command"]
        if command[:2] == ["sh", "-c"]:
            for n, step in enumerate(command[2].split("&&")):
                commands[f"compose {name} step {n + 1}"] = shlex.split(step)
        else:
            commands[f"compose {name}"] = command
    cmd = re.findall(r"^CMD (\[.*\])$", dockerfile(), re.M)
    assert len(cmd) == 1 and "ENTRYPOINT" not in dockerfile()
    commands["Dockerfile CMD"] = yaml.safe_load(cmd[0])
    return commands


def test_every_command_names_a_real_entry_point() -> None:
    problems = {where: entry_point_problem(c) for where, c in all_commands().items()}
    assert not {where: problem for where, problem in problems.items() if problem}


def test_every_health_check_asks_crm_probe_for_a_check_it_has() -> None:
    asked = [
        probe["exec"]["command"]
        for variant in VARIANTS
        for d in rendered(variant)
        for c in containers(d)
        for probe in (c.get(p, {}) for p in ("startupProbe", "readinessProbe", "livenessProbe"))
        if "exec" in probe
    ]
    asked += [s["healthcheck"]["test"][1:] for s in app_services().values() if "healthcheck" in s]
    assert asked
    for command in asked:
        assert command[0] == "crm-probe" and command[1] in probe_checks(), command


def test_compose_runs_every_process_of_the_procfile_with_its_command() -> None:
    services = app_services()
    for name, command in procfile().items():
        service = services.get(name.replace("_", "-"))
        assert service, f"compose has no service for the Procfile's {name}"
        assert same_process(service["command"], as_crm_command(command)), name
    assert set(services) - {n.replace("_", "-") for n in procfile()} == {"migrate"}


def test_compose_starts_the_processes_after_the_migration_and_healthy_backends() -> None:
    services = app_services()
    migrate = services.pop("migrate")
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "rabbitmq": {"condition": "service_healthy"},
    }
    for name, service in services.items():
        depends = service["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == depends["rabbitmq"] == {"condition": "service_healthy"}
        assert service["healthcheck"]["test"][0] == "CMD", name
    for backend in ("postgres", "rabbitmq"):
        assert compose()["services"][backend]["healthcheck"]["test"]


def test_compose_gives_every_service_a_postgresql_database_of_its_own() -> None:
    postgres = compose()["services"]["postgres"]
    script = compose()["configs"][postgres["configs"][0]["source"]]["content"]
    created = {
        postgres["environment"]["POSTGRES_DB"],
        *re.findall(r"CREATE DATABASE (\w+);", script),
    }
    owners = {*SERVICES, "gateway"}
    assert created == {f"crm_{owner}" for owner in owners}
    for name, service in app_services().items():
        urls = {
            key: urlsplit(value)
            for key, value in service["environment"].items()
            if key.endswith("_DB_URL")
        }
        for key, url in urls.items():
            owner = key.removeprefix("CRM_").removesuffix("_DB_URL").lower()
            assert url.hostname == "postgres" and url.path == f"/crm_{owner}", (name, key)
        if name == "migrate":
            assert set(urls) == {f"CRM_{owner.upper()}_DB_URL" for owner in owners}
        else:  # deals-worker reads CRM_DEALS_DB_URL and no other
            assert set(urls) == {f"CRM_{name.split('-')[0].upper()}_DB_URL"}, name


def test_the_compose_env_example_sets_every_variable_compose_requires() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    assert required <= set(read_env_file(DEPLOY / "compose.env.example"))


def test_the_image_builds_the_ui_with_npm_ci_and_the_protobuf_code_as_make_proto_does() -> None:
    text = dockerfile()
    stages = re.findall(r"^FROM (?:--platform=\S+ )?(\S+) AS (\w+)$", text, re.M)
    arguments = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    images = {stage: arguments.get(image[2:-1], image) for image, stage in stages}
    assert images["web"].startswith("node:20")
    assert images["runtime"].startswith("python:3.11-slim")
    assert "npm ci" in text and "vite build" in text
    protoc = re.search(r"-m grpc_tools\.protoc (.*?) \$", (ROOT / "Makefile").read_text())
    assert protoc and f"python -m grpc_tools.protoc {protoc[1]}" in text
    assert "find crm -type d -exec touch {}/__init__.py" in text
    assert "pip wheel --no-deps" in text and "pip install --no-deps" in text
    assert image_user() != 0
    assert image_env("CRM_WEB_DIST") in re.findall(r"^COPY --from=web \S+ (\S+)$", text, re.M)


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parents decides."""

    def regex(pattern: str) -> str:
        tokens = re.findall(r"\*\*/|\*|\?|\[[^]]*\]|[^*?[]", pattern.rstrip("/"))
        wildcards = {"**/": "(.*/)?", "*": "[^/]*", "?": "[^/]"}
        return "".join(wildcards.get(t, t if t.startswith("[") else re.escape(t)) for t in tokens)

    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if any(re.fullmatch(regex(pattern.lstrip("!")), prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def test_the_build_context_has_what_the_image_copies_and_nothing_local() -> None:
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    sources = [
        source
        for line in re.findall(r"^COPY (?!--from|--chmod)(.*)$", dockerfile(), re.M)
        for source in line.split()[:-1]
    ]
    tracked = subprocess.run(
        ["git", "ls-files", *sources], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 100
    assert not [path for path in tracked if _dockerignored(path, patterns)]
    local = [".venv/bin/python", "var/jwt.secret", ".env", "deploy/.env", "crm/__init__.py",
             "web/node_modules/vite/package.json", "web/dist/index.html", ".git/HEAD",
             "services/deals/__pycache__/x.pyc"]  # fmt: skip
    assert all(_dockerignored(path, patterns) for path in local)


# ---- crm-probe, the health check the image carries


@pytest.fixture
def crm_probe(tmp_path: Path) -> Iterator[list[str]]:
    script = tmp_path / "crm-probe"
    script.write_text(probe_script())
    yield [sys.executable, str(script)]


def run_probe(crm_probe: list[str], *arguments: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run([*crm_probe, *arguments], env=env, timeout=30).returncode


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
def test_crm_probe_sees_a_broker_connection_only_while_it_is_open(crm_probe: list[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        env = {"CRM_AMQP_URL": f"amqp://crm:{PLACEHOLDER}@127.0.0.1:{port}/crm"}
        assert run_probe(crm_probe, "broker", env=env) == 1
        with socket.create_connection(("127.0.0.1", port)), listener.accept()[0]:
            assert run_probe(crm_probe, "broker", env=env) == 0
        assert run_probe(crm_probe, "broker", env=env) == 1


def test_crm_probe_asks_a_grpc_server_for_its_health(crm_probe: list[str]) -> None:
    from crmkit.grpc_server import build_server

    server, port, health = build_server(lambda _server: [], "127.0.0.1:0")
    try:
        assert run_probe(crm_probe, "grpc", str(port)) == 0
        health.enter_graceful_shutdown()
        assert run_probe(crm_probe, "grpc", str(port)) == 1
    finally:
        server.stop(grace=None)
    assert run_probe(crm_probe, "grpc", str(port)) == 1


def test_crm_probe_wants_a_2xx_answer_over_http(crm_probe: list[str]) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 503)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert run_probe(crm_probe, "http", f"{url}/healthz") == 0
        assert run_probe(crm_probe, "http", f"{url}/degraded") == 1
        server.shutdown()
    assert run_probe(crm_probe, "no-such-check") == 1

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>
/// The subset of API server validation that callers meet in practice, with the real field paths and wording.
/// </summary>
internal static partial class ObjectValidation
{
    private const string SubdomainHelp =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
        + "characters, '-' or '.', and must start and end with an alphanumeric "
        + "character (e.g. 'example.com', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelHelp =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric "
        + "characters or '-', and must start and end with an alphanumeric "
        + "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1035Help =
        "a DNS-1035 label must consist of lower case alphanumeric characters or "
        + "'-', start with an alphabetic character, and end with an alphanumeric "
        + "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        + "'[a-z]([-a-z0-9]*[a-z0-9])?')";

    public static void Validate(ResourceKind kind, JsonObject obj)
    {
        var errors = new List<FieldError>();
        var name = obj.Str("metadata", "name") ?? "";
        ValidateName(kind, name, errors);
        ValidateLabels(obj.Obj("metadata", "labels"), "metadata.labels", errors);
        if (kind == ResourceKinds.Pod)
        {
            ValidatePodSpec(obj.Obj("spec"), "spec", errors);
        }
        else if (
            kind == ResourceKinds.Deployment
            || kind == ResourceKinds.ReplicaSet
            || kind == ResourceKinds.StatefulSet
        )
        {
            ValidateWorkload(obj, errors);
        }
        else if (kind == ResourceKinds.Job)
        {
            ValidatePodSpec(obj.Obj("spec", "template", "spec"), "spec.template.spec", errors);
            var restart = obj.Str("spec", "template", "spec", "restartPolicy");
            if (restart is not ("Never" or "OnFailure"))
            {
                errors.Add(
                    FieldError.Unsupported("spec.template.spec.restartPolicy", restart ?? "", ["OnFailure", "Never"])
                );
            }
        }
        else if (kind == ResourceKinds.Service)
        {
            if (
                obj.Str("spec", "clusterIP") != "None"
                && obj.Str("spec", "type") != "ExternalName"
                && (obj.Arr("spec", "ports")?.Count ?? 0) == 0
            )
            {
                errors.Add(FieldError.Required("spec.ports"));
            }
        }
        else if (kind == ResourceKinds.HorizontalPodAutoscaler)
        {
            if (string.IsNullOrEmpty(obj.Str("spec", "scaleTargetRef", "name")))
            {
                errors.Add(FieldError.Required("spec.scaleTargetRef.name"));
            }
            if (string.IsNullOrEmpty(obj.Str("spec", "scaleTargetRef", "kind")))
            {
                errors.Add(FieldError.Required("spec.scaleTargetRef.kind"));
            }
            var max = obj.Long("spec", "maxReplicas") ?? 0;
            var min = obj.Long("spec", "minReplicas") ?? 1;
            if (max < 1)
            {
                errors.Add(
                    new FieldError(
                        "spec.maxReplicas",
                        "FieldValueInvalid",
                        $"Invalid value: {max}: must be greater than or equal to 1"
                    )
                );
            }
            else if (min > max)
            {
                errors.Add(
                    new FieldError(
                        "spec.minReplicas",
                        "FieldValueInvalid",
                        $"Invalid value: {min}: must be less than or equal to maxReplicas"
                    )
                );
            }
        }
        else if (kind == ResourceKinds.PodDisruptionBudget)
        {
            if (obj.At("spec", "minAvailable") is not null && obj.At("spec", "maxUnavailable") is not null)
            {
                errors.Add(
                    new FieldError(
                        "spec",
                        "FieldValueInvalid",
                        "Invalid value: \"\": minAvailable and maxUnavailable cannot be both set"
                    )
                );
            }
        }
        else if (kind == ResourceKinds.ResourceQuota)
        {
            foreach (var (resource, value) in obj.Obj("spec", "hard").StringMap())
            {
                ValidateQuantity($"spec.hard[{resource}]", value, errors);
            }
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(kind, name, errors);
        }
    }

    private static void ValidateName(ResourceKind kind, string name, List<FieldError> errors)
    {
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
            return;
        }
        if (kind == ResourceKinds.Namespace)
        {
            if (name.Length > 63 || !Dns1123Label().IsMatch(name))
            {
                errors.Add(FieldError.InvalidValue("metadata.name", name, LabelHelp));
            }
        }
        else if (kind == ResourceKinds.Service)
        {
            if (name.Length > 63 || !Dns1035Label().IsMatch(name))
            {
                errors.Add(FieldError.InvalidValue("metadata.name", name, Dns1035Help));
            }
        }
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            errors.Add(FieldError.InvalidValue("metadata.name", name, SubdomainHelp));
        }
    }

    private static void ValidateLabels(JsonObject? labels, string field, List<FieldError> errors)
    {
        foreach (var (key, value) in labels.StringMap())
        {
            if (value.Length > 63 || !LabelValue().IsMatch(value))
            {
                errors.Add(
                    FieldError.InvalidValue(
                        $"{field}",
                        value,
                        "a valid label must be an empty string or consist of alphanumeric "
                            + "characters, '-', '_' or '.', and must start and end with an "
                            + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
                            + "regex used for validation is "
                            + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                    )
                );
            }
            if (key.Length == 0)
            {
                errors.Add(FieldError.InvalidValue(field, key, "name part must be non-empty"));
            }
        }
    }

    private static void ValidateWorkload(JsonObject obj, List<FieldError> errors)
    {
        var selector = obj.Obj("spec", "selector");
        if (selector is null || (selector.Obj("matchLabels") is null && selector.Arr("matchExpressions") is null))
        {
            errors.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            var templateLabels = obj.Obj("spec", "template", "metadata", "labels").StringMap();
            if (!LabelSelector.FromObject(selector).Matches(templateLabels))
            {
                errors.Add(
                    new FieldError(
                        "spec.template.metadata.labels",
                        "FieldValueInvalid",
                        "Invalid value: "
                            + "map[string]string{"
                            + $"{string.Join(", ", templateLabels.Select(l => $"\"{l.Key}\":\"{l.Value}\""))}}}: "
                            + "`selector` does not match template `labels`"
                    )
                );
            }
        }
        if ((obj.Long("spec", "replicas") ?? 0) < 0)
        {
            errors.Add(
                new FieldError(
                    "spec.replicas",
                    "FieldValueInvalid",
                    $"Invalid value: {obj.Long("spec", "replicas")}: must be greater than or equal to 0"
                )
            );
        }
        ValidatePodSpec(obj.Obj("spec", "template", "spec"), "spec.template.spec", errors);
    }

    public static void ValidatePodSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        var containers = spec.Arr("containers");
        if (containers is null || containers.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".containers"));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var container in containers.Objects())
        {
            var field = $"{path}.containers[{index}]";
            var name = container.Str("name") ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required(field + ".name"));
            }
            else if (!Dns1123Label().IsMatch(name) || name.Length > 63)
            {
                errors.Add(FieldError.InvalidValue(field + ".name", name, LabelHelp));
            }
            else if (!seen.Add(name))
            {
                errors.Add(new FieldError(field + ".name", "FieldValueDuplicate", $"Duplicate value: \"{name}\""));
            }
            if (string.IsNullOrWhiteSpace(container.Str("image")))
            {
                errors.Add(FieldError.Required(field + ".image"));
            }
            foreach (var part in new[] { "requests", "limits" })
            {
                foreach (var (resource, value) in container.Obj("resources", part).StringMap())
                {
                    ValidateQuantity($"{field}.resources.{part}[{resource}]", value, errors);
                }
            }
            var requests = container.Obj("resources", "requests").StringMap();
            foreach (var (resource, limitText) in container.Obj("resources", "limits").StringMap())
            {
                if (
                    requests.TryGetValue(resource, out var requestText)
                    && Quantity.TryParse(requestText, out var request)
                    && Quantity.TryParse(limitText, out var limit)
                    && request.Value > limit.Value
                )
                {
                    errors.Add(
                        FieldError.InvalidValue(
                            $"{field}.resources.requests",
                            requestText,
                            $"must be less than or equal to {resource} limit of {limitText}"
                        )
                    );
                }
            }
            index++;
        }
    }

    private static void ValidateQuantity(string field, string value, List<FieldError> errors)
    {
        if (!Quantity.TryParse(value, out _))
        {
            errors.Add(
                FieldError.InvalidValue(
                    field,
                    value,
                    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                )
            );
        }
    }

    [GeneratedRegex("\\A[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("\\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("\\A[a-z]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("\\A(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\\z")]
    private static partial Regex LabelValue();
}

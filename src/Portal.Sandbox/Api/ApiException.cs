using System.Text.Json.Nodes;

namespace Portal.Sandbox.Api;

/// <summary>A failure answered as a metav1.Status with the API server's code, reason and message.</summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null)
    : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    public static JsonObject Status(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }
        status["code"] = code;
        return status;
    }

    private static JsonObject DetailsOf(ResourceKind kind, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }
        details["kind"] = kind.Plural;
        return details;
    }

    public static ApiException NotFound(ResourceKind kind, string name) =>
        new(404, "NotFound", $"{kind.GroupResource} \"{name}\" not found", DetailsOf(kind, name));

    public static ApiException AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.GroupResource} \"{name}\" already exists", DetailsOf(kind, name));

    public static ApiException Conflict(ResourceKind kind, string name) =>
        new(
            409,
            "Conflict",
            $"Operation cannot be fulfilled on {kind.GroupResource} \"{name}\": the "
                + "object has been modified; please apply your changes to the latest "
                + "version and try again",
            DetailsOf(kind, name)
        );

    public static ApiException Forbidden(ResourceKind kind, string name, string why) =>
        new(403, "Forbidden", $"{kind.GroupResource} \"{name}\" is forbidden: {why}", DetailsOf(kind, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media "
                + "types include: application/json-patch+json, "
                + "application/merge-patch+json, application/strategic-merge-patch+json "
                + $"(got {contentType})"
        );

    /// <summary>
    /// A create or update body in a format the sandbox does not decode (protobuf, CBOR), worded as an API server
    /// that serves JSON only (an aggregated or custom resource server) words it; client-go falls back to JSON on it.
    /// </summary>
    public static ApiException UnsupportedBodyMediaType(string contentType) =>
        new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json, "
                + $"application/yaml (got {contentType})"
        );

    public static ApiException Invalid(ResourceKind kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(
                new JsonObject
                {
                    ["reason"] = error.Reason,
                    ["message"] = error.Detail,
                    ["field"] = error.Field,
                }
            );
        }
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }
        details["kind"] = kind.Kind;
        details["causes"] = causes;
        var summary =
            errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new ApiException(422, "Invalid", $"{kind.Kind} \"{name}\" is invalid: {summary}", details);
    }
}

/// <summary>One field validation failure, worded like k8s.io/apimachinery field.Error.</summary>
public sealed record FieldError(string Field, string Reason, string Detail)
{
    public static FieldError Required(string field, string detail = "") =>
        new(field, "FieldValueRequired", detail.Length == 0 ? "Required value" : "Required value: " + detail);

    public static FieldError InvalidValue(string field, string value, string detail) =>
        new(field, "FieldValueInvalid", $"Invalid value: \"{value}\": {detail}");

    public static FieldError Unsupported(string field, string value, IEnumerable<string> supported) =>
        new(
            field,
            "FieldValueNotSupported",
            $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}"
        );

    public override string ToString() => $"{Field}: {Detail}";
}

using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Tenancy;

namespace Portal.Web.Tests.Faults;

/// <summary>Who sends a request to an endpoint: the credential the endpoint asks for.</summary>
public enum Caller
{
    Anonymous,
    TenantApi,
    PlatformApi,
    TenantBrowser,
    PlatformBrowser,
}

/// <summary>Where an endpoint reads what it is sent.</summary>
public enum InputShape
{
    /// <summary>Only its route values: a body it is sent is not read.</summary>
    None,
    Json,
    Form,

    /// <summary>Read by the endpoint itself (an archive, a signed delivery, an OpenID Connect request).</summary>
    RawBody,
}

public enum FieldKind
{
    Text,
    Integer,
    Number,
    Boolean,
    Identifier,
    Choice,
    Moment,
    Group,
    List,
    File,
}

/// <summary>A field an endpoint binds, named as a client sends it (camelCase in JSON, dotted in forms).</summary>
public sealed record InputField(string Name, FieldKind Kind, bool Required, IReadOnlyList<InputField> Fields)
{
    public bool Readable => Kind is not (FieldKind.Group or FieldKind.List or FieldKind.File);
}

/// <summary>
/// A POST, PUT, PATCH or DELETE endpoint of the portal as found in its endpoint data source: its route, who calls it,
/// and the fields its action binds (read from the action's parameters), so that each can be sent what it cannot take.
/// </summary>
public sealed record ChangingEndpoint(
    string Method,
    string Pattern,
    IReadOnlyList<string> RouteParameters,
    Caller Caller,
    InputShape Shape,
    IReadOnlyList<InputField> Body,
    IReadOnlyList<InputField> Query
)
{
    public bool IsBrowser => Caller is Caller.TenantBrowser or Caller.PlatformBrowser;

    public IEnumerable<InputField> AllFields => Body.Concat(Query);

    public override string ToString() => $"{Method} /{Pattern}";
}

public static class ChangingEndpoints
{
    private static readonly string[] Changes = ["POST", "PUT", "PATCH", "DELETE"];

    /// <summary>
    /// Endpoints that read their request body themselves rather than through model binding: for them the body is the
    /// input to break, whatever their parameters say.
    /// </summary>
    private static readonly string[] ReadTheirOwnBody =
    [
        Portal.Web.Builds.BuildRoutes.ArchiveUpload,
        Portal.Web.Pipelines.PipelineRoutes.Webhook,
        Portal.Web.Clouds.CloudRoutes.Accounts,
        Portal.Web.Clouds.CloudRoutes.Account,
        "api/v1/middleware/templates",
        "connect/token",
        "connect/authorize",
        "connect/logout",
    ];

    public static IReadOnlyList<ChangingEndpoint> Of(IServiceProvider services) =>
        services
            .GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint =>
                (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                    .Where(Changes.Contains)
                    .Select(method => Describe(endpoint, method))
            )
            .DistinctBy(e => (e.Method, e.Pattern))
            .OrderBy(e => e.Pattern, StringComparer.Ordinal)
            .ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();

    private static ChangingEndpoint Describe(RouteEndpoint endpoint, string method)
    {
        var pattern = endpoint.RoutePattern.RawText!.TrimStart('/');
        var routeParameters = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
        var action = endpoint.Metadata.GetMetadata<ControllerActionDescriptor>();
        var body = new List<InputField>();
        var query = new List<InputField>();
        var isApi = pattern.StartsWith("api/", StringComparison.Ordinal);
        foreach (var parameter in action?.Parameters.OfType<ControllerParameterDescriptor>() ?? [])
        {
            if (routeParameters.Contains(parameter.Name, StringComparer.OrdinalIgnoreCase))
                continue;
            var source = parameter.BindingInfo?.BindingSource;
            if (
                parameter.ParameterType == typeof(CancellationToken)
                || source == BindingSource.Services
                || source == BindingSource.Special
                || source == BindingSource.Header
            )
                continue;
            var field = Field(
                parameter.BindingInfo?.BinderModelName ?? parameter.Name,
                parameter.ParameterType,
                Required(parameter.ParameterInfo),
                isApi,
                depth: 0
            );
            if (source == BindingSource.Body)
                body.AddRange(field.Kind == FieldKind.Group ? field.Fields : [field]);
            else if (isApi)
                query.Add(field);
            else if (field.Kind == FieldKind.Group)
                body.AddRange(Prefixed(field, parameter.BindingInfo?.BinderModelName));
            else
                body.Add(field);
        }
        var shape =
            ReadTheirOwnBody.Any(r => r.TrimStart('/') == pattern) ? InputShape.RawBody
            // An API endpoint that binds nothing and names nothing can only read its body itself.
            : body.Count == 0 && (routeParameters.Count > 0 || !isApi) ? InputShape.None
            : body.Count == 0 ? InputShape.RawBody
            : isApi ? InputShape.Json
            : InputShape.Form;
        return new ChangingEndpoint(method, pattern, routeParameters, CallerOf(endpoint, pattern), shape, body, query);
    }

    /// <summary>
    /// A form's complex parameter binds its fields under its prefix when one is declared, and without a prefix
    /// otherwise (the fields of the model itself, as the page posts them).
    /// </summary>
    private static IEnumerable<InputField> Prefixed(InputField group, string? prefix) =>
        group.Fields.Select(f => Rename(f, prefix is null ? f.Name : $"{prefix}.{f.Name}"));

    private static InputField Rename(InputField field, string name) =>
        field with
        {
            Name = name,
            Fields = field.Fields.Select(f => Rename(f, $"{name}.{f.Name}")).ToList(),
        };

    private static Caller CallerOf(RouteEndpoint endpoint, string pattern)
    {
        if (
            endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
            || pattern.StartsWith("connect/", StringComparison.Ordinal)
        )
            return Caller.Anonymous;
        var platform = endpoint
            .Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Any(a => a.Policy == TenantPolicies.PlatformAdmin);
        var tenant = endpoint.RoutePattern.Parameters.Any(p => p.Name == "tenant") && !platform;
        if (pattern.StartsWith("api/", StringComparison.Ordinal))
            return tenant ? Caller.TenantApi : Caller.PlatformApi;
        return platform ? Caller.PlatformBrowser : Caller.TenantBrowser;
    }

    private static InputField Field(string name, Type type, bool required, bool camelCase, int depth)
    {
        var named = camelCase && name.Length > 0 ? char.ToLowerInvariant(name[0]) + name[1..] : name;
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        var kind = KindOf(plain);
        if (kind == FieldKind.Group && depth < 3)
            return new InputField(
                named,
                kind,
                required,
                plain
                    .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod?.IsStatic == false)
                    .Where(p => p.SetMethod is not null)
                    .Select(p => Field(p.Name, p.PropertyType, Required(p), camelCase, depth + 1))
                    .ToList()
            );
        if (kind == FieldKind.List && ElementOf(plain) is { } element)
            return new InputField(named, kind, required, [Field("item", element, false, camelCase, depth + 1)]);
        return new InputField(named, kind == FieldKind.Group ? FieldKind.Text : kind, required, []);
    }

    private static FieldKind KindOf(Type type) =>
        type == typeof(string) ? FieldKind.Text
        : type == typeof(bool) ? FieldKind.Boolean
        : type == typeof(Guid) ? FieldKind.Identifier
        : type.IsEnum ? FieldKind.Choice
        : type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) ? FieldKind.Moment
        : type == typeof(int) || type == typeof(long) || type == typeof(short) ? FieldKind.Integer
        : type == typeof(decimal) || type == typeof(double) || type == typeof(float) ? FieldKind.Number
        : typeof(IFormFile).IsAssignableFrom(type) ? FieldKind.File
        : type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? FieldKind.List
        : FieldKind.Group;

    private static Type? ElementOf(Type type) =>
        type.IsArray
            ? type.GetElementType()
            : type.GetInterfaces()
                .Append(type)
                .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                ?.GetGenericArguments()[0];

    private static readonly NullabilityInfoContext Nullability = new();

    private static bool Required(ParameterInfo? parameter)
    {
        if (parameter is null || parameter.HasDefaultValue || parameter.ParameterType.IsValueType)
            return false;
        lock (Nullability)
            return Nullability.Create(parameter).ReadState == NullabilityState.NotNull;
    }

    private static bool Required(PropertyInfo property)
    {
        lock (Nullability)
            return !property.PropertyType.IsValueType
                && Nullability.Create(property).ReadState == NullabilityState.NotNull;
    }
}

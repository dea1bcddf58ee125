using System.Text.RegularExpressions;
using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Domain.Middleware;

public sealed partial record TemplateDefinition
{
    public const int IdentifierMaxLength = 63;
    public const int PlanNameMaxLength = 30;
    public const int DisplayNameMaxLength = 60;
    public const int DescriptionMaxLength = 500;
    public const int MinCredentialLength = 8;
    public const int MaxCredentialLength = 128;
    public const int MaxReplicas = 15;
    public const int ObjectsTemplateMaxLength = 256 * 1024;
    public const int SmallTemplateMaxLength = 2000;

    /// <summary>
    /// The longest value a developer may give a parameter: enough for any name or setting, and a bound for what a
    /// template renders.
    /// </summary>
    public const int ParameterValueMaxLength = 1000;

    /// <summary>
    /// Every problem with the definition at once, each with the field it concerns ("Versions[1].Image",
    /// "Parameters[0].Default"), so that a form can show them all. Empty when the definition is valid. Whether the
    /// Liquid renders into objects a cluster accepts is checked outside the domain (<see cref="ITemplateCheck"/>).
    /// </summary>
    public IReadOnlyList<Problem> Validate()
    {
        var problems = new List<Problem>();
        ValidateVersions(problems);
        ValidatePlans(problems);
        ValidateParameterSchema(problems);
        ValidatePorts(problems);
        ValidateCredentials(problems);
        ValidateConnectionStrings(problems);
        ValidateBindingVariables(problems);
        if (string.IsNullOrWhiteSpace(ObjectsTemplate))
            problems.Add(
                Problem.Invalid(nameof(ObjectsTemplate), "Write the template of the instance's Kubernetes objects.")
            );
        else if (ObjectsTemplate.Length > ObjectsTemplateMaxLength)
            problems.Add(
                Problem.Invalid(
                    nameof(ObjectsTemplate),
                    $"The objects template has {ObjectsTemplate.Length} characters; keep it "
                        + $"to {ObjectsTemplateMaxLength}."
                )
            );
        return problems;
    }

    /// <summary>
    /// Lower-case letters, digits and '_', starting with a letter: a name Liquid reads as
    /// <c>params.max_connections</c>.
    /// </summary>
    public static bool IsIdentifier(string? value) =>
        value is { Length: > 0 and <= IdentifierMaxLength } && Identifier().IsMatch(value);

    private void ValidateVersions(List<Problem> problems)
    {
        if (Versions.Count == 0)
            problems.Add(Problem.Invalid(nameof(Versions), "Offer at least one version."));
        else if (Versions.All(v => v is null || v.Hidden))
            problems.Add(
                Problem.Invalid(nameof(Versions), "Keep at least one version visible, or hide the whole template.")
            );
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Versions.Count; i++)
        {
            var field = $"{nameof(Versions)}[{i}]";
            if (Versions[i] is not { } version)
            {
                problems.Add(Problem.Invalid(field, "This version is empty."));
                continue;
            }
            if (!VersionOrder.IsValid(version.Version))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Version",
                        $"'{version.Version}' is not a version the portal can order: write one "
                            + "to four numbers separated by dots, like '16.4' or '8.0.42'."
                    )
                );
            }
            else if (!seen.Add(VersionOrder.Canonical(version.Version)))
            {
                problems.Add(Problem.Invalid($"{field}.Version", $"Version {version.Version} is listed twice."));
            }

            var image = ImageReference.Parse(version.Image, $"{field}.Image");
            if (!image.Succeeded)
            {
                problems.Add(image.Problem!);
            }
            else if (image.Value.Tag is null && image.Value.Digest is null)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Image",
                        $"Image '{version.Image}' has no tag: name the exact release, like "
                            + $"'{version.Image}:{version.Version}', so that a version always runs the "
                            + "same image."
                    )
                );
            }

            if (!VersionOrder.IsValid(version.MajorLine))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.MajorLine",
                        $"Give the major line as numbers separated by dots, like '16' or '8.0'."
                    )
                );
            }
            else if (
                VersionOrder.IsValid(version.Version) && !VersionOrder.IsInLine(version.Version, version.MajorLine)
            )
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.MajorLine",
                        $"Major line '{version.MajorLine}' is not the start of version "
                            + $"{version.Version}: write its leading numbers, like "
                            + $"'{version.Version.Split('.')[0]}'."
                    )
                );
            }
        }
    }

    private void ValidatePlans(List<Problem> problems)
    {
        if (Plans.Count == 0)
            problems.Add(Problem.Invalid(nameof(Plans), "Offer at least one plan."));
        else if (Plans.All(p => p is null || p.Hidden))
            problems.Add(Problem.Invalid(nameof(Plans), "Keep at least one plan visible, or hide the whole template."));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Plans.Count; i++)
        {
            var field = $"{nameof(Plans)}[{i}]";
            if (Plans[i] is not { } plan)
            {
                problems.Add(Problem.Invalid(field, "This plan is empty."));
                continue;
            }
            if (
                string.IsNullOrEmpty(plan.Name)
                || plan.Name.Length > PlanNameMaxLength
                || !KubernetesSyntax.IsDns1123Label(plan.Name)
            )
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{plan.Name}' is not a valid plan name: use up to {PlanNameMaxLength} "
                            + "lowercase letters, digits and '-', like 'small'."
                    )
                );
            }
            else if (!names.Add(plan.Name))
            {
                problems.Add(Problem.Invalid($"{field}.Name", $"Plan '{plan.Name}' is listed twice."));
            }

            CheckDisplayName(plan.DisplayName, $"{field}.DisplayName", problems);
            if (plan.CpuRequestMillis <= 0)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.CpuRequest",
                        "Request some CPU (like 250m): quota admission counts what an instance requests."
                    )
                );
            if (plan.CpuLimitMillis < plan.CpuRequestMillis)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.CpuLimit",
                        $"The CPU limit ({Quantity.FormatCpu(plan.CpuLimitMillis)}) is below the "
                            + $"CPU request ({Quantity.FormatCpu(plan.CpuRequestMillis)})."
                    )
                );
            }

            if (plan.MemoryRequestBytes <= 0)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.MemoryRequest",
                        "Request some memory (like 512 MiB): quota admission counts what an instance requests."
                    )
                );
            if (plan.MemoryLimitBytes < plan.MemoryRequestBytes)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.MemoryLimit",
                        $"The memory limit ({Quantity.FormatBytes(plan.MemoryLimitBytes)}) is "
                            + "below the memory request "
                            + $"({Quantity.FormatBytes(plan.MemoryRequestBytes)})."
                    )
                );
            }

            if (plan.StorageBytes <= 0)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Storage",
                        "Give each replica some storage (like 10 GiB): middleware keeps its data on a volume."
                    )
                );
            if (plan.Replicas < 1)
                problems.Add(Problem.Invalid($"{field}.Replicas", "A plan starts with at least 1 replica."));
            if (plan.MaxReplicas < plan.Replicas)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.MaxReplicas",
                        $"The maximum ({plan.MaxReplicas}) is below the starting count ({plan.Replicas})."
                    )
                );
            else if (plan.MaxReplicas > MaxReplicas)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.MaxReplicas",
                        $"{plan.MaxReplicas} replicas is too many: use at most {MaxReplicas}."
                    )
                );
        }
    }

    private void ValidateParameterSchema(List<Problem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Parameters.Count; i++)
        {
            var field = $"{nameof(Parameters)}[{i}]";
            if (Parameters[i] is not { } parameter)
            {
                problems.Add(Problem.Invalid(field, "This parameter is empty."));
                continue;
            }
            if (!IsIdentifier(parameter.Name))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{parameter.Name}' is not a valid parameter name: use lowercase "
                            + "letters, digits and '_', starting with a letter, like "
                            + "'max_connections'."
                    )
                );
            }
            else if (!names.Add(parameter.Name))
            {
                problems.Add(Problem.Invalid($"{field}.Name", $"Parameter '{parameter.Name}' is listed twice."));
            }

            if (!Enum.IsDefined(parameter.Type))
            {
                problems.Add(
                    Problem.Invalid($"{field}.Type", "A parameter is a string, an integer, a boolean or a choice.")
                );
                continue;
            }
            if (parameter.Description is { Length: > DescriptionMaxLength })
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Description",
                        $"A description has at most {DescriptionMaxLength} characters."
                    )
                );
            if (parameter.Type == ParameterType.Choice)
            {
                if (parameter.AllowedValues.Count == 0)
                    problems.Add(
                        Problem.Invalid(
                            $"{field}.AllowedValues",
                            $"Choice '{parameter.Name}' needs the values to choose from."
                        )
                    );
                else if (parameter.AllowedValues.Any(string.IsNullOrEmpty))
                    problems.Add(
                        Problem.Invalid($"{field}.AllowedValues", $"Choice '{parameter.Name}' has an empty value.")
                    );
                else if (
                    parameter.AllowedValues.Distinct(StringComparer.Ordinal).Count() != parameter.AllowedValues.Count
                )
                    problems.Add(
                        Problem.Invalid($"{field}.AllowedValues", $"Choice '{parameter.Name}' lists a value twice.")
                    );
            }
            else if (parameter.AllowedValues.Count > 0)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.AllowedValues",
                        "Only a choice has allowed values; make the parameter a choice, or leave them out."
                    )
                );
            }

            if (parameter.Pattern is not null)
            {
                if (parameter.Type != ParameterType.String)
                    problems.Add(Problem.Invalid($"{field}.Pattern", "Only a string parameter has a pattern."));
                else if (ParameterRules.CompilePattern(parameter.Pattern) is null)
                    problems.Add(
                        Problem.Invalid($"{field}.Pattern", $"'{parameter.Pattern}' is not a valid regular expression.")
                    );
            }
            if (parameter.Default is not null && ParameterRules.Check(parameter, parameter.Default) is { } wrong)
                problems.Add(
                    Problem.Invalid($"{field}.Default", $"The default of '{parameter.Name}' is not valid: {wrong}")
                );
        }
    }

    private void ValidatePorts(List<Problem> problems)
    {
        if (Ports.Count == 0)
            problems.Add(Problem.Invalid(nameof(Ports), "Name at least the port clients connect to."));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<int>();
        for (var i = 0; i < Ports.Count; i++)
        {
            var field = $"{nameof(Ports)}[{i}]";
            if (Ports[i] is not { } port)
            {
                problems.Add(Problem.Invalid(field, "This port is empty."));
                continue;
            }
            if (port.Name is null || !KubernetesSyntax.IsServiceName(port.Name))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{port.Name}' is not a valid port name: up to "
                            + $"{KubernetesSyntax.ServiceNameMaxLength} lowercase letters, digits and "
                            + "'-', with a letter, like 'postgresql'."
                    )
                );
            }
            else if (!names.Add(port.Name))
            {
                problems.Add(Problem.Invalid($"{field}.Name", $"Port name '{port.Name}' is used twice."));
            }

            if (port.Port is < 1 or > 65535)
                problems.Add(Problem.Invalid($"{field}.Port", $"Port {port.Port} is out of range: use 1 to 65535."));
            else if (!numbers.Add(port.Port))
                problems.Add(Problem.Invalid($"{field}.Port", $"Port {port.Port} is listed twice."));
        }
    }

    private void ValidateCredentials(List<Problem> problems)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Credentials.Count; i++)
        {
            var field = $"{nameof(Credentials)}[{i}]";
            if (Credentials[i] is not { } credential)
            {
                problems.Add(Problem.Invalid(field, "This credential is empty."));
                continue;
            }
            if (!IsIdentifier(credential.Key))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Key",
                        $"'{credential.Key}' is not a valid credential key: use lowercase "
                            + "letters, digits and '_', starting with a letter, like 'password'."
                    )
                );
            }
            else if (!keys.Add(credential.Key))
            {
                problems.Add(Problem.Invalid($"{field}.Key", $"Credential '{credential.Key}' is listed twice."));
            }

            if (credential.Length is < MinCredentialLength or > MaxCredentialLength)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Length",
                        $"A generated credential has {MinCredentialLength} to "
                            + $"{MaxCredentialLength} characters, not {credential.Length}."
                    )
                );
            }
        }
    }

    private void ValidateConnectionStrings(List<Problem> problems)
    {
        var labels = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ConnectionStrings.Count; i++)
        {
            var field = $"{nameof(ConnectionStrings)}[{i}]";
            if (ConnectionStrings[i] is not { } connection)
            {
                problems.Add(Problem.Invalid(field, "This connection string is empty."));
                continue;
            }
            CheckDisplayName(connection.Label, $"{field}.Label", problems);
            if (!string.IsNullOrWhiteSpace(connection.Label) && !labels.Add(connection.Label))
                problems.Add(
                    Problem.Invalid($"{field}.Label", $"Connection string '{connection.Label}' is listed twice.")
                );
            if (string.IsNullOrWhiteSpace(connection.Template))
                problems.Add(Problem.Invalid($"{field}.Template", "Write the connection string's template."));
            else if (connection.Template.Length > SmallTemplateMaxLength)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Template",
                        $"A connection string template has at most {SmallTemplateMaxLength} characters."
                    )
                );
        }
    }

    private void ValidateBindingVariables(List<Problem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < BindingVariables.Count; i++)
        {
            var field = $"{nameof(BindingVariables)}[{i}]";
            if (BindingVariables[i] is not { } variable)
            {
                problems.Add(Problem.Invalid(field, "This variable is empty."));
                continue;
            }
            if (string.IsNullOrEmpty(variable.Name) || !KubernetesSyntax.IsEnvironmentVariableName(variable.Name))
            {
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{variable.Name}' is not a valid variable name: use letters, digits "
                            + "and '_', not starting with a digit, like 'REDIS_HOST'."
                    )
                );
            }
            else if (!names.Add(variable.Name))
            {
                problems.Add(Problem.Invalid($"{field}.Name", $"Variable '{variable.Name}' is listed twice."));
            }

            var hasValue = !string.IsNullOrEmpty(variable.ValueTemplate);
            var hasKey = !string.IsNullOrEmpty(variable.SecretKey);
            if (hasValue == hasKey)
            {
                problems.Add(
                    Problem.Invalid(
                        field,
                        $"Variable '{variable.Name}' takes either a value template or a key of "
                            + $"the instance's Secret, not {(hasValue ? "both" : "neither")}."
                    )
                );
            }

            if (hasValue && variable.ValueTemplate!.Length > SmallTemplateMaxLength)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.ValueTemplate",
                        $"A value template has at most {SmallTemplateMaxLength} characters."
                    )
                );
            if (hasKey && !KubernetesSyntax.IsConfigKey(variable.SecretKey!))
                problems.Add(
                    Problem.Invalid(
                        $"{field}.SecretKey",
                        $"'{variable.SecretKey}' is not a valid key of a Secret: use letters, digits, '-', '_' and '.'."
                    )
                );
        }
    }

    internal static void CheckDisplayName(string? value, string field, List<Problem> problems)
    {
        if (string.IsNullOrWhiteSpace(value))
            problems.Add(Problem.Invalid(field, "Give it a name people read, like 'Small'."));
        else if (value.Trim().Length > DisplayNameMaxLength)
            problems.Add(Problem.Invalid(field, $"A display name has at most {DisplayNameMaxLength} characters."));
    }

    [GeneratedRegex("\\A[a-z][a-z0-9_]*\\z")]
    private static partial Regex Identifier();
}

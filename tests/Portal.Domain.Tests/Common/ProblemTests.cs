using Portal.Domain.Common;

namespace Portal.Domain.Tests.Common;

public sealed class ProblemTests
{
    /// <summary>
    /// The API's problem types are built from these codes; clients match on them, so they never change.
    /// </summary>
    [Fact]
    public void Every_kind_of_problem_keeps_its_stable_code()
    {
        Assert.Equal(
            ["validation", "not-found", "conflict", "forbidden", "unavailable", "too-many-requests"],
            Enum.GetValues<ProblemKind>().Select(kind => new Problem(kind, "why").Code)
        );
    }

    [Fact]
    public void Several_invalid_fields_are_one_invalid_problem_with_each_field_as_a_cause()
    {
        var problem = Problem.Invalid([Problem.Invalid("Name", "No name."), Problem.Invalid("Image", "No image.")]);

        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.Null(problem.Field);
        Assert.Equal(["Name", "Image"], problem.Causes.Select(c => c.Field));
    }
}

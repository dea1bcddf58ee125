using Microsoft.AspNetCore.WebUtilities;
using Portal.Infrastructure.Common;

namespace Portal.Web.Common;

/// <summary>Links to the neighbouring pages of a list, keeping the request's filters.</summary>
public sealed record PagerModel(
    int Number,
    int PageCount,
    int Total,
    string PreviousUrl,
    string NextUrl,
    bool TotalIsFloor = false
)
{
    /// <summary>"3 in all", or "More than 500 in all" where the list counted no further.</summary>
    public string TotalText => TotalIsFloor ? $"More than {Total} in all" : $"{Total} in all";

    public static PagerModel For<T>(Page<T> page, HttpRequest request)
    {
        string Link(int number)
        {
            var query = request
                .Query.Where(q => q.Key != "page" && !string.IsNullOrEmpty(q.Value))
                .Select(q => new KeyValuePair<string, string?>(q.Key, q.Value))
                .Append(new("page", number.ToString()));
            return QueryHelpers.AddQueryString(request.Path, query);
        }
        return new PagerModel(
            page.Number,
            page.PageCount,
            page.Total,
            Link(page.Number - 1),
            Link(page.Number + 1),
            page.TotalIsFloor
        );
    }
}

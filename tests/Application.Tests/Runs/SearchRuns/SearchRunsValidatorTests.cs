using AlexNet.Experiments.Application.Runs.SearchRuns;

namespace AlexNet.Experiments.Application.Tests;

/// <summary>Issue 25: a page whose offset wraps around an int, or reaches past any store, is refused naming page.</summary>
public sealed class SearchRunsValidatorTests
{
    [Theory]
    [InlineData(1, 500, true)]
    [InlineData(20_001, 500, true)] // skips exactly 10,000,000 runs
    [InlineData(20_002, 500, false)]
    [InlineData(10_000_001, 1, true)]
    [InlineData(10_000_002, 1, false)]
    [InlineData(int.MaxValue, 500, false)] // (page - 1) × limit once wrapped to a negative offset
    [InlineData(int.MaxValue, 1, false)]
    public void The_offset_of_a_page_is_bounded(int page, int limit, bool valid)
    {
        var result = new SearchRunsValidator().Validate(new SearchRunsQuery { Page = page, Limit = limit });

        result.IsValid.ShouldBe(valid, string.Join("; ", result.Errors));
        if (!valid)
        {
            result.Errors.Select(e => e.PropertyName).ShouldBe(["Page"]);
        }
    }

    [Fact]
    public void The_offset_is_computed_without_wrapping() =>
        SearchRunsValidator.Offset(int.MaxValue, 500).ShouldBe((int.MaxValue - 1L) * 500);
}

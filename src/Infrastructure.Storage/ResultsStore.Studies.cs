using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using Microsoft.EntityFrameworkCore;

namespace AlexNet.Experiments.Infrastructure.Storage;

public sealed partial class ResultsStore : IStudyStore
{
    public Task AddStudyAsync(Study study, Experiment experiment, IReadOnlyList<(Run Run, StudyRun Link)> runs, CancellationToken cancellationToken)
    {
        if (study.ExperimentId != experiment.Id || runs.Any(r => r.Run.ExperimentId != experiment.Id || r.Link.RunId != r.Run.Id || r.Link.StudyId != study.Id))
        {
            throw new ArgumentException($"Study {study.Id}: every run must belong to experiment {experiment.Id} and link to the study.", nameof(runs));
        }

        return WriteAsync(db =>
        {
            db.Experiments.Add(ExperimentRow.From(experiment));
            db.Studies.Add(StudyRow.From(study));
            foreach (var (run, link) in runs)
            {
                db.Runs.Add(RunRow.From(run));
                db.RunTags.Add(new RunTagRow { RunId = run.Id, Tag = study.RunTag });
                db.StudyRuns.Add(StudyRunRow.From(link));
            }
        }, cancellationToken);
    }

    public Task<Study?> GetStudyAsync(Guid studyId, CancellationToken cancellationToken) =>
        ReadAsync(async db => (await db.Studies.FirstOrDefaultAsync(s => s.Id == studyId, cancellationToken))?.ToDomain(), cancellationToken);

    public Task<IReadOnlyList<Study>> ListStudiesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Study>>(async db =>
            (await db.Studies.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).ToListAsync(cancellationToken))
            .Select(s => s.ToDomain()).ToList(), cancellationToken);

    public Task<IReadOnlyList<StudyRun>> ListStudyRunsAsync(Guid studyId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<StudyRun>>(async db =>
            (await db.StudyRuns.Where(l => l.StudyId == studyId).OrderBy(l => l.Cell).ThenBy(l => l.Seed).ToListAsync(cancellationToken))
            .Select(l => l.ToDomain()).ToList(), cancellationToken);
}

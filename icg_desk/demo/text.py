"""Realistic written entries for the demo batches ICG Desk generates.

A scorer judging a demo batch needs text that reads like a real coach's portfolio: a school, a
teacher, an Impact Cycle told in order, concrete data, and (for the partnership entry) a letter
from the coach's supervisor and ten teacher surveys. Identical boilerplate would make every
portfolio look the same and give scorers nothing to tell apart, so each document is built from
banks of sentence templates with slot fills, drawn by the caller's `random.Random`.

Each document also draws a hidden "quality": weaker portfolios pick more of the vague,
teacher-directed templates (marked with a leading "~" in the banks) and report fewer numbers,
weaker results, less time in Impact Cycles and lower survey ratings, so there is something to
score. About one document in twenty carries a line with accents, and a few carry markup-like text
("<b>", "&", a line starting with "="): candidate text is untrusted and the app must show it
literally, so the demo data keeps that path exercised.

Standard library only, no I/O: this runs inside the demo generator and the benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["compose_entry"]

_FACTOR_ORDER = (
    "impact_cycle",
    "playbook",
    "data",
    "communication",
    "partnership",
    "leadership",
    "system_support",
)
_FACTOR_TITLES = {
    "impact_cycle": "Impact Cycle",
    "playbook": "Instructional Playbook",
    "data": "Data",
    "communication": "Communication",
    "partnership": "Working with Adults",
    "leadership": "Leadership",
    "system_support": "System Support",
}
_ENTRY_1 = frozenset(("impact_cycle", "playbook", "data"))
_ENTRY_2 = frozenset(("communication", "partnership", "leadership", "system_support"))
# The revised Entry 2 evidence (supervisor letter, ten surveys) belongs with these factors.
_EVIDENCE_FACTORS = frozenset(("communication", "partnership", "system_support"))
# Factors whose writing is a story about one teacher's cycle, so the context introduces one.
_CYCLE_FACTORS = frozenset(("impact_cycle", "playbook", "data"))


# ---------------------------------------------------------------------------------------------
# Template banks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    """Alternative sentences for one beat of a section; a section walks its beats in order."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    limit: int  # most sentences one document takes from this beat; 0 = no limit

    @property
    def size(self) -> int:
        n = len(self.strong) + len(self.weak)
        return min(n, self.limit) if self.limit else n


@dataclass(frozen=True, slots=True)
class _Bank:
    groups: tuple[_Group, ...]
    avg_words: float

    @property
    def size(self) -> int:
        return sum(g.size for g in self.groups)


# Claims a template makes, e.g. "[choice]" for "the teacher chose the strategy" and its weak
# opposite "I chose the strategy". A document keeps to whichever side it states first, so a
# weak portfolio is vague or directive without contradicting itself.
_TAGS: dict[str, tuple[bool, tuple[str, ...]]] = {}
# Where a template stands in its beat: banks are written in narrative order, and a paragraph
# keeps that order ("we recorded the lesson" before "the video showed").
_ORDER: dict[str, int] = {}


def _bank(text: str, ordered: bool = True) -> _Bank:
    """Parse a bank of templates.

    "== name" starts a beat ("== name 1": at most one sentence of it per document), "~" marks a
    weak template, "[tag,tag]" the claims it makes, and indented lines continue the one above.
    Plain text keeps hundreds of templates readable and within the line length.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw[0] in " \t":
            lines[-1] += " " + raw.strip()
        else:
            lines.append(raw.rstrip())
    groups: list[_Group] = []
    strong: list[str] = []
    weak: list[str] = []
    limit = 0
    for line in lines:
        if line.startswith("=="):
            if strong or weak:
                groups.append(_Group(tuple(strong), tuple(weak), limit))
            strong, weak = [], []
            words = line.split()
            limit = int(words[-1]) if words[-1].isdigit() else 0
            continue
        is_weak = line.startswith("~")
        template = line[1:] if is_weak else line
        if template.startswith("["):
            tags, template = template[1:].split("]", 1)
            _TAGS[template] = (is_weak, tuple(tags.split(",")))
        if ordered:
            _ORDER[template] = len(strong) + len(weak)
        (weak if is_weak else strong).append(template)
    if strong or weak:
        groups.append(_Group(tuple(strong), tuple(weak), limit))
    templates = [t for g in groups for t in (*g.strong, *g.weak)]
    # Slots expand to a couple of words on average; only a rough figure is needed to plan.
    words_total = sum(len(t.split()) + t.count("{") for t in templates)
    return _Bank(tuple(groups), words_total / max(1, len(templates)))


def _join(*banks: _Bank) -> _Bank:
    groups = tuple(g for b in banks for g in b.groups)
    total = sum(b.avg_words * b.size for b in banks)
    return _Bank(groups, total / max(1, sum(b.size for b in banks)))


_CONTEXT_SCHOOL = _bank("""
== school 1
I am an instructional coach at {school}, {level_a} in {community} that serves about {n_students}
    students in {grades}.
{school} is {level_a} of roughly {n_students} students in {grades}, one of the schools in
    {district}.
This year I coach at {school}, where {n_teachers} classroom teachers serve {n_students} students in
    {grades}.
Our building, {school}, sits in {community} and enrolls about {n_students} students across {grades}.
{school_short} is one of the larger schools in {district}, with {n_students} students and a staff of
    {n_teachers} teachers.
I coach full time at {school}, {level_a} serving {grades} in {community}.
My coaching home is {school}, {level_a} with {n_teachers} teachers and about {n_students} students.
~I work at {school}, which is {level_a}.
~Our school is a good place with a lot of caring teachers and students who need a lot of support.
~{school} has many students and teachers and there is always a lot going on.
== history
Our staff has changed a great deal in recent years, and about a third of our teachers are in their
    first five years.
Teachers at {school_short} work in grade-level or department teams that meet every week.
Our schedule gives every team a common planning period, which is where many coaching
    conversations happen.
Leadership at {school_short} has been stable for several years, which has helped coaching take
    root.
Our staff has worked hard on a culture where teachers visit each other's classrooms to learn.
~It is a busy school with a lot of initiatives going on at once.
== students
About {pct_frl}% of our students qualify for free or reduced-price meals, and {pct_ml}% are
    multilingual learners.
Our student population is diverse: {pct_ml}% of students are learning English and {pct_frl}% come
    from low-income households.
Roughly {pct_frl}% of families qualify for meal assistance, and many of our students will be the
    first in their families to attend college.
Attendance has been a concern since the pandemic, with chronic absence near {pct_absent}% last year.
Our school improvement plan focuses on {sip_focus}, which shaped many of the goals teachers chose
    this year.
Because {pct_ml}% of our students receive English language development services, academic talk is
    a priority in every classroom.
Our students bring a wide range of strengths; about {pct_ml}% speak a language other than English at
    home, and many help care for younger siblings after school.
~We have a lot of students who struggle and many who come from hard backgrounds.
~Like most schools, we have students at all different levels.
== background 1
I have been an instructional coach for {years_coaching} years, after {years_teaching} years as
    {prev_role}.
Before coaching, I spent {years_teaching} years as {prev_role}; this is my {years_coaching_ord} year
    as a coach.
== role
{coaches_phrase}, and I work with teachers in every grade and content area.
[role]My role is defined in a written job description that my principal and I revisit each August,
    and
    it centers on Impact Cycles with teachers.
[voluntary,confidential]Coaching at {school_short} is voluntary and confidential: teachers invite
    me in, and what we
    discuss stays between us unless they choose to share it.
This year I partnered with {n_coached} teachers in {cycles_year} Impact Cycles.
I spend most mornings in classrooms and keep afternoons for coaching conversations, planning with
    teachers, and gathering data.
My caseload this year included {n_coached} teachers, and more than half had worked with me before.
Our district adopted the Impact Cycle as its coaching model {program_years} years ago, and every
    coach in {district} is trained in it.
~[role]I help teachers with whatever they need, including lesson plans, materials, testing, and
    covering
    classes when we are short on substitutes.
~My job is to support teachers and help the principal with school initiatives.
~[role]I am also the testing coordinator, so coaching sometimes has to wait during testing season.
""")

_CONTEXT_TEACHER = _bank("""
== teacher 1
For this entry I describe my Impact Cycle with {T}, {a_grade_adj} {subject} teacher in {their}
    {t_years_ord} year of teaching.
{T} teaches {course} and has been in the classroom for {t_years} years.
The teacher in this entry, {T}, has taught {course} for {t_years} years and asked to focus on
    {their} {period} class.
~{T} is a teacher at our school who needed help with {their} class.
== teacher_more
[voluntary]{T} reached out to me in {start_month} after a staff meeting where I explained how
    Impact Cycles work.
{T} chose to work on {their} {period} class, a group of {class_size} students that {T} described as
    "the class I think about on the drive home."
I had not worked with {T} before, so our first conversation was about getting to know each other
    and the class.
~[voluntary]The principal asked me to work with {T} because of some concerns from walkthroughs.
== class
{T}'s {period} class has {class_size} students, including several multilingual learners and
    {n_iep} students with IEPs.
We were in the middle of a unit on {unit} when the cycle began.
The class meets for {period_minutes} minutes, and students sit in table groups of four.
{T} described the group as kind and funny, but quick to give up when a task felt hard.
~The class was a tough group this year.
""")

_CONTEXT_PROGRAM = _bank("""
== program
Most of my coaching happens in Impact Cycles, but I also meet with grade-level teams and lead our
    new-teacher group.
When I started at {school_short}, coaching was seen as something that happened to struggling
    teachers; changing that perception has been much of my work.
[program]Our coaching program is in its {program_year_ord} year, and teacher participation has
    grown every
    year.
[meet]I report to {sup_name}, our {sup_title_l}, and we meet {meet_freq} to talk about coaching.
This year {n_coached} of our {n_teachers} teachers chose to work with me in at least one Impact
    Cycle.
Teachers can start a cycle by filling in a short form on our shared drive or by stopping by my
    office, which is next to the library.
~[program]Coaching at our school is still new and people are figuring out what it is.
~I try to get into as many classrooms as I can.
""")

_IDENTIFY = _bank("""
== video
To get a clear picture of current reality, {T} recorded {their} {period} class on an iPad and
    watched the {video_len}-minute video on {their} own before we met.
{T} chose to record a lesson on {unit}; I left the camera with {them} so {T} could decide when to
    film.
Instead of observing and giving feedback, I asked {T} to watch the video and note what went well
    and what could change.
We used the "watch your students" and "watch yourself" forms to guide how {T} viewed the recording.
{T} watched the recording twice, first for the students and then for {their} own teaching.
Because {T} was nervous about video, we started with a recording of just the students, with the
    camera at the front of the room.
The current-reality video is submitted as Clip 1 and shows the first {video_len} minutes of the
    lesson without edits.
~I observed {T}'s class and took notes on what I saw.
~I watched the lesson and wrote down the things that needed to change.
~I observed {T}'s class twice before we met, mostly to see what was going wrong.
== conversation
In our identify conversation I asked, "On a scale of 1 to 10, how close was that lesson to your
    ideal?" {T} said {rating}, and we talked about what would make it a 10.
I asked {T} what an ideal lesson would look like, and the answer was clear: {wish}.
[listen]I mostly listened, paraphrased, and asked clarifying questions while {T} talked through
    what the
    video showed.
While watching, {T} noticed that {notice}, something {T} had not realized before.
[listen]I resisted the urge to suggest a goal; instead I asked what change in students would make
    the
    biggest difference.
We talked about what the students were doing, not about what {T} was doing, which kept the focus on
    learning.
{T} asked what I had noticed, and I shared two observations as data, without judgment, and asked
    what {T} made of them.
I asked, "What would your students be doing if this class were exactly what you hoped for?" and
    {T} took a long pause before answering.
{T} said the video was hard to watch at first, so we started by naming what was going well.
~[listen]I told {T} what I noticed and we agreed that the students were not engaged enough.
~[listen]I explained to {T} what the problem was and what we would work on.
~We talked about the lesson and {T} agreed with my feedback.
== baseline 1
To establish a baseline, we gathered data with {tool} during three lessons, and {measure} averaged
    {base}.
The baseline showed {measure} at {base}, well below what {T} wanted for {their} students.
We agreed that {tool} would give us a quick and reliable measure, and the first count put
    {measure} at {base}.
Across three baseline lessons, {measure} ranged from {base_lo} to {base_hi}, with an average of
    {base}.
~The data showed that things needed to improve.
== baseline_more
We each collected the baseline data on our own and then compared numbers, which were within a few
    points of each other.
Seeing {base} written down surprised {T}, who had guessed the number would be much better.
~The baseline data confirmed what I had already told {T}.
== goal 1
Together we wrote a PEERS goal: {goal}
Our goal was: {goal}
The goal {T} wrote read: {goal}
~The goal was for students to do better in {their} class.
== goal_more
We checked the goal against the PEERS criteria: powerful because {powerful}, easy to understand,
    emotionally compelling for {T}, reachable in about {weeks} weeks, and focused on students.
{T} said the goal mattered because {why}, which is what made it emotionally compelling.
We made sure the goal was reachable by setting a target of {target} instead of a perfect score.
The goal described a change in students, not a change in teacher behavior, so it was
    student-focused.
[goal]{T} wrote the goal in {their} own words, and I only asked questions to make it measurable.
We agreed on a target of {target} in about {weeks} weeks, with data gathered twice a week.
~[goal]I suggested a goal of improving {measure_s} and {T} agreed.
~We set a goal that we both felt good about.
""")

_LEARN = _bank("""
== choose 1
[choice]I brought three strategies from our playbook that matched the goal and explained each one
    briefly, and {T} chose {strategy}.
[choice]We looked at the one-page descriptions for {strategy} and {alt_strategy}; {T} chose
    {strategy} because it fit {their} style.
[choice]{T} chose {strategy}, and we talked about how to adapt it for {their} students.
~[choice]I decided that {strategy} would be the best fit and gave {T} a handout about it.
~[choice]I told {T} to try {strategy} because it has worked well in other classrooms.
== choose_more
[choice]I made it clear that the choice was {T}'s, and that we could switch strategies if the data
    did not move.
Because the goal was about {kind_word}, the options I offered came from the {strategy_area} section
    of the playbook.
[choice]{T} asked which strategy I would pick; I said I had a hunch but that {T} knew the students
    far better than I did.
~I explained the steps of {strategy} carefully so {T} would not miss anything.
== checklist
We walked through the checklist for {strategy} item by item: {check1}, {check2}, {check3}, and
    {check4}.
{T} modified the checklist by adding an item of {their} own about {check_any}.
Using the checklist, {T} identified which parts of {strategy} were already in place and which were
    new.
The checklist kept our conversations precise, because we could talk about {check1} instead of "the
    strategy" in general.
~I gave {T} a checklist to follow.
== model
{T} asked me to model {strategy} in {their} class, so I taught the first {minutes} minutes while {T}
    watched with the checklist.
We watched a short video of another teacher using {strategy}, and {T} pointed out what {T} wanted to
    borrow.
Instead of modeling in class, {T} preferred that we rehearse during planning time, with me playing
    the students.
I offered several ways to see the strategy: I could model it, we could co-teach, or we could visit a
    colleague's class; {T} chose to {model_choice}.
After the model lesson we debriefed with the checklist, and {T} noted that {check2} looked different
    from what {T} expected.
~I modeled the strategy so {T} could see how to do it correctly.
== plan
We planned the first lesson together, and {T} decided where {strategy} would fit in the
    {lesson_part}.
{T} adapted the strategy for students with IEPs by {adapt}.
We set a date for {T} to try the strategy and agreed that I would gather data during that lesson.
To make the first try easier, {T} chose a lesson on {unit} that {T} had taught many times before.
~{T} said the plan was to try it the next week.
""")

_IMPROVE = _bank("""
== first
{T} first used {strategy} on a {weekday}, and {measure} came in at {w2} that day.
The first data point after {T} began using {strategy} was {w2}, compared with the baseline of
    {base}.
We met within a day of each lesson to look at the data and decide what to keep and what to change.
I gathered data twice a week with {tool} and shared the numbers with {T} the same afternoon.
{T} recorded a second video in week {wk} so we could look at how students responded to the
    strategy.
Our improve meetings were short, about {minutes} minutes, and always started with {T}'s own read of
    the lesson.
~I checked in with {T} when I could to see how it was going.
== adjust
When progress stalled at {plateau} in week {wk}, we watched the video together and {T} decided to
    adjust by {adjust}.
The first adjustment was {T}'s idea: {adjust}.
We considered switching strategies, but {T} wanted to refine {strategy} first by {adjust2}.
After the adjustment, {measure} moved from {plateau} to {w_after} over the next three lessons.
I asked, "What do you think is getting in the way?" and {T} pointed to {obstacle}.
Looking at the checklist again, {T} realized that {check3} was often skipped when time ran short.
I offered two options for the plateau and a third possibility of {T}'s own; {T} chose the third.
~When it did not work at first, I told {T} to keep trying and to be more consistent.
~I gave {T} some suggestions to fix it.
~Some days were better than others.
== result 3
[finish]By week {weeks_n}, {measure} had {moved_pp} from {base} to {final}, {goal_outcome}.
[finish]The final data point was {final}, against a target of {target}.
[finish]{T} was proud to see {measure} reach {final}, and we shared the graph with the class.
At the end of the cycle we talked about whether to set a new goal or stop, and {T} chose to
    {next_choice}.
The most important evidence was in the students: {student_evidence}.
~By the end, the class was much better and {T} was happy with it.
~Students seemed more engaged and {T} felt more confident.
~[finish]We ran out of time before the end of the year, so we did not finish the last data
    collection.
== look_back
Looking back, the most powerful moment was when {T} watched the second video and said, "They are
    doing the thinking now, not me."
I learned that I need to talk less in the identify conversation; when I asked better questions,
    {T} found the goal.
[redo]If I did this cycle again, I would {redo}.
{T} has since shared {strategy} with {their} grade-level team, which led to two new Impact Cycles.
~[redo]Overall the cycle went well and I would not change anything.
~I think {T} learned a lot from me.
""")

_PLAYBOOK = _bank("""
== playbook
[playbook]Our instructional playbook was built by our coaching team and is organized around the Big
    Four:
    content planning, formative assessment, instruction, and community building.
[playbook]The playbook holds {n_pb} high-impact strategies, each with a one-page description and a
    checklist.
I keep the playbook to a small number of strategies I know deeply, so I can explain each one
    clearly and adapt it for any teacher.
Each strategy in the playbook has a one-pager, a checklist, and a short list of research; I add
    teacher-made examples as I collect them.
[playbook]Our playbook began as a list of the strategies teachers already used well, which we then
    narrowed
    to those with the strongest evidence.
I revise the playbook every summer, removing strategies teachers did not find useful and adding
    ones that came up in cycles.
The table of contents fits on one page, so a teacher can see every option at a glance.
~[playbook]Our district has a list of strategies that I use as my playbook.
~[playbook]I use a lot of different resources and books to find strategies for teachers.
== choices
[choice]When I share the playbook, I offer two or three strategies rather than one, so the teacher
    makes
    the final choice.
[choice]{T} looked at the one-pagers for {strategy}, {alt_strategy}, and {alt_strategy2} and chose
    {strategy}.
I explain strategies in a way that is precise but provisional, inviting the teacher to change
    anything that does not fit.
The playbook keeps my explanations short; with the one-pager in front of us, {T} could ask
    questions instead of listening to me talk.
I ask teachers to star anything on the checklist they want to change before they try the strategy.
[choice]Offering choices from the playbook means teachers own the strategy, and I have found they
    stick
    with it longer.
~[choice]I pick the strategy from the playbook that I think will work best.
~[choice]Teachers usually want me to just tell them what to do, so I pick for them.
== checklists
The checklist for {strategy} has {n_check} items, including {check1} and {check2}.
{T} used the checklist to self-assess while watching the video, marking each item as done, partly
    done, or not yet.
We kept the checklist in a shared document so that {T} could add notes after each lesson.
Checklists make it possible to talk about fidelity without it feeling like an evaluation.
When {T} changed an item on the checklist, I updated the playbook copy so the next teacher sees the
    adaptation.
~The checklist helped {T} remember the steps.
== growth
Strategies in the playbook are linked to the kinds of goals teachers usually set, so I can offer
    options quickly.
Two teachers added examples from their classrooms to the {strategy} page this year.
I practice explaining each strategy in under two minutes so I am ready when a teacher asks.
I learned {strategy} by using it myself in a colleague's class before I added it to the playbook.
~[playbook]The playbook is still a work in progress and I have not used it much this year.
""")

_DATA = _bank("""
== kinds
I gather three kinds of data with teachers: engagement data such as time on task, achievement data
    such as exit tickets, and behavior data such as disruptions.
[measure]The measure we chose, {measure}, was easy to gather in under a minute per observation.
We agreed on exactly what counted, writing a one-sentence definition before the first lesson.
To check reliability, {T} and I gathered data in the same lesson and compared our results, which
    were within {agree} points.
I prefer measures that teachers can collect themselves, so the data belongs to them and not to me.
[measure]Data collection was built around {tool}, which {T} already knew how to use.
We avoided measures that would take more than a few minutes a day, because a measure nobody keeps
    up with is useless.
~I looked at the data to see how the students were doing.
~[measure]We mainly used observations and how the class felt.
== analysis
The data showed a steady {trend} from {base} to {plateau}, then a plateau in week {wk} that prompted
    our adjustment.
Looking at the data by student, we found that {subgroup} were still {subgroup_issue}, which changed
    how {T} grouped students.
We graphed the results so {T} could see the trend at a glance, and {T} posted the graph for the
    class.
The change from {base} to {final} was larger than the day-to-day variation we saw at baseline, which
    gave us confidence it was real.
Alongside {measure_s}, student work samples showed {work_evidence}.
Student survey results told a similar story: the share of students who agreed that they "get to
    share ideas in class" rose from {s_base}% to {s_final}%.
The biggest single jump came in week {wk}, right after {T} began {adjust}.
~The numbers went up, which showed the strategy worked.
~I could tell from walking through the room that students were doing better.
== partnership
[confidential]I never share a teacher's data with administrators; the data belongs to the teacher
    and is used
    only to move toward the goal.
{T} chose which data to collect and how often, which made the numbers feel useful rather than
    evaluative.
Every data conversation ended with {T} deciding what to try next.
We kept all the numbers in one shared spreadsheet that {T} could open during planning.
~[confidential]I shared the data with our principal so the administration could see the progress.
""")

_REFLECTION = _bank("""
== learned
This work taught me that {lesson}.
The biggest change in my coaching this year is that I {change}.
I used to think my job was to have answers; now I see it as helping teachers find their own.
When I compare my first cycles with this one, I see how much more precise our goals have become.
Teachers' feedback this year pushed me to {change}.
~I learned a lot this year and feel that I have grown as a coach.
~Coaching is hard work, but it is rewarding.
== next
[next]My next step as a coach is to {next_step}.
[next]Next year I want to {next_step}, and I have already asked my principal for time to do it.
I plan to record more of my own coaching conversations so I can keep improving how I listen.
I will keep revising our playbook with the examples teachers create.
~[next]Next year I hope to keep doing what I am doing.
== students
What matters most is that students in the classes I coached are {student_change}.
In the end, the work mattered because {student_evidence}.
Every goal this year started and ended with students, and that focus is what I want to protect.
~I think the students benefited from the coaching.
""")

_COMMUNICATION = _bank("""
== principal
[meet]I meet with {principal_short} {meet_freq} to talk about coaching; we discuss the number of
    cycles,
    themes across goals, and how to protect coaching time, never individual teachers' struggles.
At the start of the year, I walked {principal_short} through the Impact Cycle and the partnership
    principles so that we would share a language for coaching.
{principal_short} and I wrote a one-page description of my role together, which we shared with
    staff in August.
I send {principal_short} a brief monthly summary: how many teachers are in cycles, what kinds of
    goals they chose, and what I need.
[voluntary]When {principal_short} asked me to "fix" a teacher, I explained why coaching must stay
    voluntary and
    offered other ways to support that teacher.
[meet]Our meetings follow a short agenda that I send the day before, so the time is used well.
~[meet]I talk with the principal when we pass in the hallway or at lunch.
~[voluntary]The principal tells me which teachers need coaching.
== staff
In August I gave a {pd_minutes}-minute presentation at the staff meeting explaining what coaching
    is, what it is not, and how to start a cycle.
I share a short coaching newsletter each month with a strategy spotlight and a teacher success
    story, always with the teacher's permission.
I visit every team meeting at least once a quarter to listen and to answer questions about
    coaching.
A menu of coaching options is posted in the staff room and on our shared drive.
New teachers meet me during orientation so coaching feels normal from the first week.
I keep a simple "coaching wall" in the workroom where teachers can post what worked for them.
~Teachers know I am available because I told them at the beginning of the year.
~I send out emails with resources that teachers might find helpful.
== skills
I have been working on my listening: in recorded conversations I now talk about {talk_pct}% of the
    time, down from {talk_pct_before}% last year.
I record some of my coaching conversations, with permission, and review them for interrupting,
    advising too quickly, and asking leading questions.
I practice paraphrasing before asking a question, so teachers know I heard them.
This year I focused on asking open questions and pausing long enough for teachers to think.
When a conversation gets tense, I try to listen for the emotion underneath and name it carefully.
I set a personal goal to give less unasked-for advice, and I track it with a simple tally after
    each conversation.
I ask teachers at the end of each cycle what I could have done better, and I write their answers
    down.
~I am a good communicator and people find me easy to talk to.
~I try to be positive in all my conversations.
== culture
I try to highlight teachers' successes in ways they choose, which helps spread practices without
    making anyone feel judged.
After several teachers chose goals about student discussion, we started a voluntary lunch group to
    share what worked.
Communication about coaching goes both ways: I ask staff each semester how coaching could better
    serve them.
Families hear about coaching through our school newsletter, which has featured student work from
    two Impact Cycles.
When {T2} finished a cycle, {T2} presented the results at a staff meeting, which did more for the
    program than anything I could have said.
~I think most teachers know what coaching is by now.
""")

_PARTNERSHIP = _bank("""
== principles
I organize my coaching around the partnership principles: equality, choice, voice, reflection,
    dialogue, praxis, and reciprocity.
Equality means I see teachers as professionals whose thinking is as valuable as mine; I am not the
    expert in their classrooms.
Choice is built into every stage: teachers choose whether to be coached, what goal to pursue, which
    strategy to try, and how to adapt it.
Voice means teachers say what they think, including when they disagree with me, and I treat that
    disagreement as useful.
Reflection happens when teachers look at video and data and draw their own conclusions.
Dialogue means I ask real questions, ones I do not already know the answer to.
Praxis means the learning is applied right away, in the teacher's classroom, with real students.
Reciprocity reminds me that I learn as much from teachers as they learn from me; I keep a notebook
    of what teachers have taught me.
~I believe in partnership and try to treat teachers as partners.
~I use the partnership principles when I can, but sometimes teachers need to be told what to do.
== examples
When {T2} told me the goal was to "get through the curriculum," I did not argue; I asked what
    students would be doing if that happened, and we found a student-focused goal together.
{T2} disagreed with an item on a checklist, so we changed it, and the adapted version worked better
    than the original.
I ask permission before sharing anything, even positive things, because trust depends on it.
When {T2} was hesitant about video, I recorded myself teaching first and let {T2} see my mistakes.
I let teachers lead our conversations; my job is to ask questions and to share options when asked.
{T2} wanted to work on a goal I would not have chosen, and the students' progress proved {T2}
    right.
In a cycle with {T2}, I caught myself giving advice before {T2} had finished talking, so I stopped
    and asked {them2} to continue.
~I show teachers the right way to do things and then check that they are doing it.
~When teachers do not follow my suggestions, I remind them about what we agreed.
== resistance
I see resistance as a sign that I may have taken away someone's autonomy, so I step back and ask
    questions.
[confidential]Coaching at {school_short} is confidential, which means I never discuss a coaching
    relationship
    with evaluators.
{T2}, a veteran teacher, told me coaching was not for {them2}; instead of pushing, I asked
    about {their2} best lessons, and by spring {T2} invited me in.
I try to make it easy to say no to coaching, because a teacher who can say no can also freely say
    yes.
When a team resisted a district initiative, I listened first and took their concerns to
    {principal_short} without naming anyone.
~Some teachers are resistant, so I work mostly with the ones who want help.
~I try to be friendly so teachers will do what I suggest.
~[confidential]If a teacher does not follow through, I let the principal know so they can follow up.
== equity
Partnership matters for equity too: when teachers' voices are heard, they are more likely to give
    students a voice.
I watch for whose classrooms I am invited into and whose I am not, and I reach out to teachers who
    have not yet worked with a coach.
Teachers from every department now ask for cycles, including {T2}, who said coaching used to feel
    like something done to people.
""")

_LEADERSHIP = _bank("""
== emotion
I try to notice how teachers are feeling before we talk about students; a rushed teacher needs a
    different conversation than a curious one.
After a difficult parent meeting, {T2} canceled our session; I checked in later that day with a
    note instead of rescheduling right away.
I have learned to manage my own emotions when a cycle stalls, so my frustration does not become
    the teacher's burden.
When {T2} cried while watching a video, I turned off the recording, listened, and let {T2} decide
    when to go on.
~I stay calm and positive no matter what.
== responsive
I return messages within a day and follow up on every promise I make, even small ones like sending
    a resource.
When {T2} needed help before an observation, I adjusted my schedule the same week.
I adjust how I coach to each teacher; some want detailed planning, others want a quick check-in
    and space to try things alone.
I ask teachers how they prefer to communicate, and {T2} preferred short voice memos to email.
~I am available to teachers most of the time.
== stewardship
I see my role as serving teachers and students, not building a reputation as the expert.
I measure my success by teachers' goals being met, not by how many strategies I shared.
I am careful with teachers' time: if a meeting is not needed, I cancel it and say why.
Being a good steward also means taking care of myself so I can be fully present for teachers.
~I give a lot of my time and often stay late to help.
== ambitious
I hold high expectations for what students can do, and I help teachers set goals that stretch
    them.
When a goal was met early, I asked {T2} whether the students were ready for something even more
    challenging.
I keep the focus on student outcomes even when the easier path is to talk about lesson plans.
~I want the best for all students.
== organized
I use a color-coded calendar that shows cycles, data collection dates, and follow-up meetings;
    teachers can see my availability online.
I keep a coaching log of every cycle: the goal, the strategy, the data, and the next step.
[reliable]I have not missed a scheduled coaching meeting this year, and when I must reschedule, I
    do it at
    least a day in advance.
Every Friday I review the week's cycles and plan the data collection for the next week.
~[reliable]I am very busy, so sometimes meetings get moved, but teachers understand.
== leading
I lead our coaching team's monthly meeting, where we watch video of our own coaching and give each
    other feedback.
I read widely about coaching and bring one idea at a time to our team, so new learning does not
    overwhelm anyone.
I model what I ask of teachers by setting my own professional goal and sharing my progress with
    {principal_short}.
~I am a natural leader and teachers look up to me.
~I help run many committees at school, which shows my leadership.
""")

_SYSTEM = _bank("""
== time
[time]This year I spent {time_pct}% of my time in Impact Cycles, according to my coaching log.
{principal_short} and I agreed that at least 60% of my time would be in Impact Cycles, and we
    review my time log every month.
[time]My time log shows an average of {hours_week} hours a week in Impact Cycles; the rest goes to
    team
    meetings, planning, and my own learning.
[role]To protect coaching time, {principal_short} took me off lunch duty and testing coordination
    this
    year.
[time]I track my time in fifteen-minute blocks for two weeks each quarter, and share the summary
    with
    {principal_short}.
~I spend as much time as I can coaching, but there are a lot of other demands.
~[time]I am not sure exactly how much time I spend coaching; it varies a lot from week to week.
~[role]Much of my time this year went to testing, covering classes, and data meetings.
== role
[role]My role description states clearly that I do not evaluate teachers and that coaching
    conversations
    are confidential.
[role]Teachers know what I do and do not do because {principal_short} and I presented the role
    together.
[role]When other duties are requested, {principal_short} and I use the role description to decide
    together
    whether they fit.
The district coaching handbook describes the coach's role and the Impact Cycle, which gives every
    school a shared reference.
~[role]My role changes depending on what the school needs that week.
~Some teachers still think I am part of the administration.
== principal
[voluntary]{principal_short} encourages teachers to work with me but never assigns coaching, and
    mentions
    coaching success stories at staff meetings when teachers agree.
{principal_short} attended Impact Cycle training with me so that we share an understanding of what
    coaching is.
Coaching time is built into the master schedule: teachers have a common planning period each week
    that can be used for coaching meetings.
[meet]{principal_short} protects my time by routing other requests through our meetings.
~[meet]The principal is supportive but very busy, so we do not meet much.
== district
[district]At the district level, the director of teaching and learning meets with all coaches each
    quarter to
    look at cycle data across schools.
[district]{district} provides monthly professional learning for coaches, including practice with
    video of
    our own coaching.
[district]District leaders visit our coaching meetings to listen, not to evaluate, and ask what
    gets in our
    way.
[district]The district budget funds a coach in every school, which signals that coaching is a
    priority.
~[district]I do not get much support from the district, but I do my best.
""")

_LETTER_INTRO = _bank("""
== opening 1
I am pleased to write this letter in support of {C}'s candidacy for ICG Coaching Certification.
I write in response to the prompts provided for the supervisor's letter.
It is a privilege to describe the work of {C}, whose coaching has changed the culture of our
    building.
~I am happy to write this letter for {C}.
== background
I have served as {sup_title_a} {sup_at} for {sup_years} years and have supervised {C} for
    {sup_sup_years} of them.
Before this role I was a teacher and an instructional coach myself, so I know how demanding the
    work is.
I see the coaching program through walkthroughs, staff feedback, and my regular meetings with {C}.
~I do not see the coaching directly very often, but I hear good things.
""")

_LETTER_PARTNERSHIP = _bank("""
== partnership
Teachers describe {C} as a partner rather than an expert who tells them what to do.
In my walkthroughs I see teachers using strategies they chose themselves, and they talk about their
    goals with real ownership.
[confidential]{C} never reports on individual teachers to me, and I have come to value how that
    confidentiality
    builds trust.
Several veteran teachers who had never worked with a coach chose to begin Impact Cycles this year,
    which I attribute to {C}'s respectful approach.
[voluntary]When I asked {C} to work with a particular teacher, {C} explained why coaching must be
    voluntary
    and helped me find other ways to support that teacher.
{C} listens far more than talks, and teachers leave conversations with their own ideas, not a list
    of directives.
I have watched {C} handle a skeptical department with patience, asking questions until the teachers
    found a goal they cared about.
~{C} is very nice and gets along with everyone.
~{C} is always willing to help teachers with anything they need.
~Teachers like working with {C} because {C} gives them lots of ideas.
== example
Last fall a first-year teacher was struggling with routines; {C} offered a cycle, the teacher
    chose the goal, and by winter the room was calm and focused.
One of our most experienced teachers told me the cycle with {C} was the first professional
    learning in years that respected what the teacher already knew.
When a team was anxious about a new curriculum, {C} met with them, listened to their concerns, and
    offered options rather than a plan.
Teachers now talk openly about their goals in team meetings, which I believe grew out of the trust
    {C} built one cycle at a time.
{C} treats teachers' time as precious and their judgment as essential, and the staff has noticed.
~I often see {C} in the hallway helping teachers with whatever they need.
""")

_LETTER_COMMUNICATION = _bank("""
== communication
[meet]{C} meets with me {meet_freq} and keeps me informed about the coaching program without sharing
    confidential details.
At our August in-service, {C} presented the Impact Cycle to the whole staff and explained the
    partnership principles.
{C}'s monthly newsletter has become a place where teachers celebrate each other's successes.
{C} helped me learn how to talk about coaching in ways that encourage teachers rather than making
    them feel singled out.
Our conversations about coaching focus on themes, such as the number of goals about student talk,
    rather than on individuals.
{C} also communicates with families, explaining in our newsletter how coaching helps students.
~{C} sends emails to the staff about coaching.
== reporting
[meet]Each month {C} sends me a one-page summary of the coaching program: the number of cycles,
    the kinds of goals, and what support is needed.
{C} presented the coaching program to our site council, describing goals and growth rather than
    naming teachers.
When I have questions about coaching, {C} answers them directly and explains the reasons behind
    each practice.
{C} and I plan our professional learning days together so that coaching and school priorities
    support each other.
~[meet]We talk when we can, usually about upcoming events.
""")

_LETTER_ROLE = _bank("""
== role
[role]We have a written role description, and we revisit it each semester.
[role]{C} spends about {time_pct}% of the week in Impact Cycles, which I protect by not assigning
    duties
    such as covering classes.
Teachers understand that {C} does not evaluate them, and that is essential to the program's
    success.
[role]When I was tempted to use {C} for testing coordination, we looked at the role description
    together
    and found another solution.
Time for coaching is part of our school improvement plan, so it does not disappear when the year
    gets busy.
~[role]{C} helps out wherever needed, including covering classes and supervising lunch when we are
    short
    of staff.
[time]I review the coaching time log with {C} each month, and together we remove anything that
    pulls time away from Impact Cycles.
{C} is not part of teacher evaluation in any way; I have made that clear to the staff in writing and
    in person.
Our master schedule protects a planning period in every team for coaching conversations.
~[role]{C} is also our testing coordinator, which takes several weeks each spring.
~[role]We have not written down the role, but everyone knows {C} is there to help.
""")

_LETTER_CLOSING = _bank("""
== impact
Across the building, teachers who worked with {C} report higher engagement and more students
    meeting their goals.
Our school-wide data this year showed gains in student engagement, and I believe coaching is one
    of the reasons.
Teachers who finish a cycle often start another, which tells me they find real value in the work.
~I think coaching is good for our school.
== closing
[recommend]I recommend {C} for certification without reservation.
Please contact me if you need any further information.
{C} has made our school a better place for teachers and students, and I am grateful to work
    alongside such a skilled coach.
Our students are learning more because of the partnerships {C} has built, and I am glad to support
    this candidacy.
{C} is exactly the kind of coach this certification is meant to recognize.
It has been a pleasure to support the work of {C}, and I look forward to what comes next.
~Please let me know if you need anything else from me.
~[recommend]I think {C} would be a good choice for certification.
""")

# Weak portfolios run out of their section's weak sentences quickly; these fit anywhere.
_VAGUE = _bank(
    """
== vague
~This was a great learning experience for everyone involved.
~I always try to do what is best for kids.
~Teachers have a lot on their plates, so I try to help however I can.
~It was a busy year, but we made it work.
~Every teacher is different, so every cycle is different.
~I feel that coaching made a big difference at our school this year.
~Building relationships is the most important part of my job.
~I try to be there for teachers whenever they need me.
~There is always more to do, and I am always learning.
~The students really seemed to enjoy the new activities.
~Things went pretty smoothly overall.
~It is hard to measure everything that coaching does.
~Teachers appreciate having someone to bounce ideas off.
~I make sure to stay positive, even on hard days.
~We covered a lot of ground in a short time.
~Good teaching is good teaching, no matter the subject.
~I think this shows that coaching works.
~There were some challenges, but we got through them together.
~I gave a lot of feedback, and most of it was taken well.
~The teacher was very open to my suggestions.
~Our school has come a long way.
~I believe every child can learn.
~The climate of the building is very positive.
~We will keep working on this next year.
~I am proud of the work we did.
~Overall, I feel good about how things went.
~I try to make sure teachers feel supported.
~Change takes time, and we are on the right track.
~It is important to meet teachers where they are.
~Coaching looks different every day, which keeps the job interesting.
""",
    ordered=False,
)

_CYCLE_STORY = _join(_IDENTIFY, _LEARN, _IMPROVE)
# A further cycle can only reuse the story templates that name its own teacher or numbers.
_STORY_CAP = (
    0.8
    * sum("{" in t for g in _CYCLE_STORY.groups for t in (*g.strong, *g.weak))
    / _CYCLE_STORY.size
)

_SURVEY_STATEMENTS = (
    "My coach listened more than they talked",
    "I chose the goal we worked on",
    "I chose the strategy we used in my classroom",
    "My coach treated me as an equal partner",
    "I felt free to disagree with my coach",
    "What we discussed stayed confidential",
    "Our goal was about my students, not about me",
    "We looked at data from my classroom together",
    "My coach explained strategies clearly",
    "My coach helped me adapt the strategy to my students",
    "Video helped me see my classroom more clearly",
    "My coach followed through on commitments",
    "Meetings started and ended on time",
    "My coach asked questions that helped me think",
    "The Impact Cycle made a difference for my students",
    "I would choose to work with my coach again",
    "My coach understood how I was feeling",
    "My coach was easy to reach when I needed help",
    "I learned something I will keep using",
    "My coach learned from me as well as teaching me",
    "Coaching felt separate from evaluation",
    "My coach respected my time",
    "I had a voice in every decision",
    "Our conversations were honest",
    "I would recommend coaching to a colleague",
    "My coach celebrated progress with me",
    "The checklist helped me use the strategy well",
)

_SURVEY_INTROS = (
    "Ten teachers who worked with me in Impact Cycles this year completed the survey "
    "anonymously. Ratings are on a scale of 1 (strongly disagree) to 5 (strongly agree).",
    "The following surveys come from ten teachers I partnered with in Impact Cycles. Each "
    "statement was rated from 1 to 5.",
    "Surveys were collected by the office, not by me, from ten teachers who completed Impact "
    "Cycles with me. 5 means strongly agree.",
)
_COMMENTS_HIGH = (
    "I have been teaching for a long time and this was the first coaching that felt like it was "
    "about my students and not about me.",
    "The video was uncomfortable at first, but it showed me things I never would have seen.",
    "I appreciated that I got to pick the goal. It made me want to keep going.",
    "Our meetings were short and focused, which matters when you have five classes.",
    "My students noticed the change before I did. One of them asked why class felt different.",
    "I never felt judged, even when the data was not great.",
    "The checklist made the strategy manageable instead of one more thing.",
    "I liked that the coach asked what I thought first.",
    "I was skeptical about coaching, and now I have asked for a second cycle.",
    "Seeing the numbers go up every week kept me motivated through a hard winter.",
    "It felt like working with a colleague, not a supervisor.",
    "The coach remembered every detail from our last meeting. That made me feel heard.",
    "Best professional learning I have had in years.",
    "I changed the strategy a lot and the coach was fine with that.",
    "My quietest students are talking now. That is what I will remember.",
    "Honestly, I did not think I had time for this. It saved me time in the end.",
    "We laughed a lot, and we also got real results.",
    "I would like every new teacher to have this experience.",
    "I felt like the expert on my own classroom, which is not how PD usually feels.",
    "We changed the plan twice and both times it was my idea.",
    "The data made it real. I could see my students changing week by week.",
    "I was nervous about being recorded, but my coach made it feel safe.",
    "My coach never once told me what to do, and somehow I learned more.",
    "This is the most useful thing I have done in my career so far.",
)
_COMMENTS_MID = (
    "Helpful overall. I wish we had started earlier in the year.",
    "Some meetings got moved because of testing, but we made it work.",
    "Good experience. The data collection was a bit much at times.",
    "I liked the strategy, though I am still working out how to use it every day.",
    "It was useful to have another set of eyes in the room.",
    "Good cycle. I would have liked more examples of the strategy in action.",
    "The goal was a good one, but I think we could have aimed higher.",
    "Video was hard for me. I am glad we did it, though.",
    "Things got busy in the spring and we lost some momentum.",
    "I felt supported, mostly through email.",
    "I would have liked to meet more often, but the meetings we had were useful.",
    "The goal was helpful. The paperwork less so.",
    "It took a while to get going, but the second half of the cycle was great.",
    "Sometimes I wanted more direct advice.",
    "Useful, but hard to fit in during the busiest part of the year.",
    "I am glad I did it, though I am not sure I will keep collecting data on my own.",
    "The strategy worked better with my morning class than my afternoon one.",
    "Good conversations. The schedule was hard to keep.",
)
_COMMENTS_LOW = (
    "It was fine.",
    "The coach is nice.",
    "I did not really pick the goal, but it was OK.",
    "I wish the coach had been around more. They were pulled into testing a lot.",
    "It felt a little like being evaluated.",
    "We met a few times and then it kind of stopped.",
    "I got a lot of handouts.",
    "I think the coach already knew what they wanted me to do.",
    "Not sure it changed much for my students.",
    "Mostly we talked about what the principal wanted to see.",
    "The coach seemed rushed most of the time.",
    "I am not sure what the goal was by the end.",
    "It was more paperwork than I expected.",
)


# ---------------------------------------------------------------------------------------------
# Fill pools
# ---------------------------------------------------------------------------------------------

_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip
_ORDINALS = (
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
    "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
    "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip
_PLACES = (
    "Cedar Ridge", "Lincoln", "Riverside", "Maple Grove", "Eastview", "Harbor Point", "Jefferson",
    "Willow Creek", "Sunset Hills", "Northgate", "Pine Hollow", "Lakeside", "Roosevelt",
    "Meadowbrook", "Granite Falls", "Oak Park", "Westfield", "Prairie View", "Silver Lake",
    "Carver", "Hawthorne", "Fairview", "Stonebridge", "Bayside", "Highland", "Mill Creek",
    "Valley View", "Brookside", "Red Rock", "Summit", "Aspen Grove", "Clearwater", "Douglass",
    "Evergreen", "Foxhill", "Garfield", "Hillcrest", "Ironwood", "Juniper", "Kennedy",
)  # fmt: skip
_DISTRICT_ROOTS = (
    "Maple Valley", "Three Rivers", "Northern Plains", "Lincoln County", "Coastal Bend",
    "Blue Ridge", "Lake Country", "Central Valley", "Great Oaks", "Riverbend", "Sierra Vista",
    "Prairie Hills", "Tri-County", "Eastside", "Capital Area",
)  # fmt: skip
_DISTRICT_KINDS = (
    "School District", "Public Schools", "Unified School District", "County Schools",
    "Independent School District", "Area Schools",
)  # fmt: skip
_COMMUNITIES = (
    "a small rural community", "a growing suburb", "an urban neighborhood", "a mid-sized city",
    "a farming town", "a coastal town", "a military community", "an inner-ring suburb",
)  # fmt: skip
_SIP_FOCUS = (
    "student discourse", "reading comprehension across the content areas", "math problem solving",
    "student engagement", "writing with evidence", "a positive learning climate",
    "attendance and belonging", "formative assessment",
)  # fmt: skip
_PREV_ROLES = (
    "a middle school science teacher", "a fourth-grade teacher", "a high school English teacher",
    "a special education teacher", "a math interventionist", "a reading specialist",
    "a social studies teacher", "an elementary classroom teacher", "a bilingual teacher",
)  # fmt: skip
_SURNAMES = (
    "Alvarez", "Okafor", "Bennett", "Kowalski", "Nakamura", "Patel", "Reyes", "Thompson",
    "Haddad", "Fischer", "Oyelaran", "Lindgren", "Castillo", "Murphy", "Chen", "Abernathy",
    "Delgado", "Whitfield", "Santos", "Ibrahim", "Novak", "Greene", "Moreau", "Kaur", "Larsen",
    "Washington", "Dubois", "Tanaka", "Rossi", "Mensah", "Holloway", "Ferreira", "Schultz",
    "Begay", "Quinn", "Romero", "Sullivan", "Yilmaz", "Park", "Hughes", "Baptiste", "Kovac",
    "Morales", "Sato", "Walsh", "Adeyemi", "Cruz", "Lindqvist", "Brennan", "Osei",
)  # fmt: skip
_ACCENTED_SURNAMES = (
    "Muñoz", "Peña", "Gonçalves", "Nguyễn", "Çelik", "Dvořák", "Søndergaard", "Béland",
    "Ibáñez", "Łukasiewicz", "Jiménez", "Öztürk", "Núñez", "Brontë",
)  # fmt: skip
# First names by the honorific a staff member would use, so "Lauren Whitfield" is "Ms. Whitfield".
_FIRST_NAMES = {
    "Ms.": ("Ellen", "Denise", "Karen", "Angela", "Priya", "Lauren", "Monique", "Aisha",
            "Colleen", "Naomi", "Teresa", "Heather", "Renee", "Keiko", "Yolanda"),
    "Mr.": ("Marcus", "Rafael", "Tomas", "Darnell", "Gregory", "Hector", "Steven", "Brian",
            "Victor", "Curtis", "Jamal", "Luis", "Douglas", "Patrick", "Samuel"),
}  # fmt: skip
_ACCENTED_FIRST_NAMES = {
    "Ms.": ("Zoë", "Inés", "Chloé", "Anaïs"),
    "Mr.": ("François", "José", "Søren", "Raúl"),
}
_SUPERVISOR_TITLES = (
    ("Principal", "principal", "principal"),
    ("Principal", "principal", "principal"),
    ("Assistant Principal", "assistant principal", "an assistant principal"),
    ("Director of Teaching and Learning", "director of teaching and learning",
     "director of teaching and learning"),
    ("Executive Director of Schools", "executive director of schools",
     "executive director of schools"),
)  # fmt: skip
_MEET_FREQ = (
    "every other Monday", "every week", "each Friday morning", "twice a month",
    "on the first Tuesday of each month", "every two weeks",
)  # fmt: skip
_PERIODS_SECONDARY = (
    "first-period",
    "second-period",
    "third-period",
    "fourth-period",
    "sixth-period",
    "second-block",
    "fourth-block",
    "seventh-period",
)
_PERIODS_ELEMENTARY = ("morning", "afternoon", "math-block", "literacy-block")
_MONTHS = (
    ("September", "November"), ("October", "December"), ("January", "March"),
    ("February", "April"), ("November", "January"),
)  # fmt: skip

# level key -> (school suffix, level noun, grades phrase, grade numbers, subjects)
_LEVELS: dict[str, tuple[str, str, str, tuple[int, ...], tuple[str, ...]]] = {
    "elementary": (
        "Elementary School", "elementary school", "kindergarten through fifth grade",
        (0, 1, 2, 3, 4, 5), ("math", "reading", "writing", "science"),
    ),
    "middle": (
        "Middle School", "middle school", "grades 6 through 8",
        (6, 7, 8), ("math", "science", "English", "social studies", "writing"),
    ),
    "high": (
        "High School", "high school", "grades 9 through 12",
        (9, 10, 11, 12), ("biology", "algebra", "world history", "English", "chemistry",
                          "geometry", "Spanish", "economics"),
    ),
    "k8": (
        "K-8 Academy", "K-8 school", "kindergarten through eighth grade",
        (1, 2, 3, 4, 5, 6, 7, 8), ("math", "reading", "science", "writing", "social studies"),
    ),
}  # fmt: skip
_UNITS: dict[str, tuple[str, ...]] = {
    "math": ("fractions", "ratios and proportions", "place value", "area and perimeter",
             "multi-digit multiplication", "linear equations", "data and graphing"),
    "reading": ("main idea and details", "character analysis", "nonfiction text features",
                "making inferences", "poetry"),
    "writing": ("opinion writing", "personal narrative", "informational writing",
                "argument writing", "research reports"),
    "science": ("ecosystems", "forces and motion", "the water cycle", "cells", "weather",
                "chemical reactions", "energy transfer"),
    "English": ("The Outsiders", "argument essays", "poetry analysis", "Romeo and Juliet",
                "To Kill a Mockingbird", "research writing", "short stories"),
    "social studies": ("the American Revolution", "ancient civilizations", "civic participation",
                       "westward expansion", "world geography"),
    "biology": ("cell division", "ecology", "genetics", "evolution"),
    "algebra": ("systems of equations", "quadratic functions", "exponential growth"),
    "world history": ("the Industrial Revolution", "World War I", "the Cold War"),
    "chemistry": ("stoichiometry", "the periodic table", "chemical bonding"),
    "geometry": ("proofs", "similar triangles", "transformations"),
    "Spanish": ("the preterite tense", "food and culture", "travel vocabulary"),
    "economics": ("supply and demand", "personal finance", "markets"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Measure:
    kind: str  # engagement, achievement or behavior: Knight's three kinds of student data
    name: str
    short: str
    unit: str  # "pct", "count" or "dec"
    base: tuple[float, float]
    target: tuple[float, float]
    tool: str
    goal: str
    wish: str
    notice: tuple[str, ...]

    @property
    def falling(self) -> bool:
        return self.target[0] < self.base[0]


_MEASURES = (
    _Measure(
        "engagement", "time on task", "time on task", "pct", (46, 66), (82, 90),
        "five-minute engagement sweeps of the room",
        "By {end_month}, students in {T}'s {period} class will be on task at least {target} of the "
        "time during independent practice, as measured by five-minute sweeps.",
        "students working on their own without waiting to be told what to do",
        ("several students drifted off task as soon as independent practice began",
         "students at the back stopped working within a few minutes",
         "many students waited for help instead of starting"),
    ),
    _Measure(
        "engagement", "the share of class time spent in student-to-student academic talk",
        "student talk", "pct", (6, 18), (35, 45), "a stopwatch and a simple talk tally",
        "By the end of the unit on {unit}, students will spend at least {target} of class time in "
        "academic conversation with peers.",
        "students talking to each other about the content, not just answering the teacher",
        ("the teacher did most of the talking", "only a few students spoke in the whole lesson",
         "students answered questions in one or two words"),
    ),
    _Measure(
        "engagement", "the percentage of students who answered at least one higher-level question",
        "response rate", "pct", (20, 40), (70, 85), "a seating-chart tally of who responded",
        "Within {weeks} weeks, {target} of students will respond to at least one higher-level "
        "question in every lesson.",
        "every student thinking hard, not just the same five hands",
        ("the same four or five students answered every question",
         "most questions could be answered with a single word",
         "quiet students were never asked to respond"),
    ),
    _Measure(
        "engagement", "the average rating on a five-point student engagement survey",
        "engagement ratings", "dec", (2.4, 3.0), (3.8, 4.2), "a short weekly student survey",
        "By {end_month}, the class average on our weekly engagement survey will be {target} or "
        "higher.",
        "students who look forward to the class instead of enduring it",
        ("students looked bored during the opening", "few students asked questions",
         "energy dropped sharply after the first ten minutes"),
    ),
    _Measure(
        "achievement", "the percentage of students scoring 80% or higher on exit tickets",
        "exit-ticket proficiency", "pct", (28, 48), (75, 85),
        "daily exit tickets aligned to the learning target",
        "By the end of the {unit} unit, {target} of students will score 80% or higher on daily "
        "exit tickets.",
        "students leaving each lesson able to show they had learned the target",
        ("many students copied answers from the board without understanding them",
         "students could follow the steps but not explain them",
         "the exit tickets showed a wide spread of understanding"),
    ),
    _Measure(
        "achievement",
        "the percentage of students meeting standard on the evidence row of the writing rubric",
        "rubric scores", "pct", (22, 40), (70, 80),
        "the evidence row of the department writing rubric",
        "By {end_month}, {target} of students will meet standard on the evidence row of our "
        "writing rubric.",
        "students backing up every claim with evidence they can explain",
        ("students made claims without any support",
         "quotations were dropped into paragraphs with no explanation",
         "only a few students could say why their evidence mattered"),
    ),
    _Measure(
        "achievement", "the class average on weekly problem-solving quizzes", "quiz average",
        "pct", (55, 66), (78, 85), "weekly five-question problem-solving quizzes",
        "The class average on weekly problem-solving quizzes will reach {target} within {weeks} "
        "weeks.",
        "students who keep going on a hard problem instead of giving up",
        ("students gave up on the word problems quickly",
         "students skipped the multi-step questions",
         "students relied on one strategy even when it did not fit"),
    ),
    _Measure(
        "achievement",
        "the percentage of students who correctly explained their reasoning on a daily check",
        "reasoning checks", "pct", (25, 42), (75, 85),
        "a one-question reasoning check at the end of each lesson",
        "Within {weeks} weeks, {target} of students will correctly explain their reasoning on the "
        "daily check.",
        "students explaining their thinking, not just giving answers",
        ("students could give answers but not reasons",
         "explanations were mostly \"I just knew it\"",
         "students were unsure what a good explanation looks like"),
    ),
    _Measure(
        "behavior", "the number of disruptions in a 20-minute observation", "disruptions",
        "count", (11, 18), (3, 5), "a tally of disruptions during a 20-minute window",
        "Within {weeks} weeks, disruptions during a 20-minute observation will drop to {target} or "
        "fewer.",
        "a calm room where every student can focus on learning",
        ("side conversations pulled the class off track again and again",
         "a handful of students interrupted the lesson many times",
         "corrections took up a large part of the lesson"),
    ),
    _Measure(
        "behavior", "the minutes lost to transitions in each class period", "transition time",
        "count", (11, 16), (3, 5), "a stopwatch started at each transition",
        "By {end_month}, transitions will take no more than {target} minutes in total per class "
        "period.",
        "more of every period spent on learning and less on getting ready",
        ("moving between activities took far longer than planned",
         "students waited a long time for materials",
         "the class lost momentum at every change of activity"),
    ),
    _Measure(
        "behavior",
        "the percentage of students who started the warm-up within two minutes of the bell",
        "on-time starts", "pct", (35, 55), (85, 92), "a quick count two minutes after the bell",
        "By {end_month}, {target} of students will start the warm-up within two minutes of the "
        "bell.",
        "students walking in and getting straight to work",
        ("the first ten minutes of class were mostly settling in",
         "students did not know what to do when they arrived",
         "the warm-up was often skipped because of the slow start"),
    ),
    _Measure(
        "behavior", "the percentage of students following our discussion norms",
        "norm use", "pct", (30, 50), (80, 90), "a norms checklist scored during discussion",
        "By {end_month}, {target} of students will follow our discussion norms during whole-class "
        "discussion.",
        "discussions where students listen to and build on each other",
        ("students talked over one another in discussion",
         "a few voices dominated every discussion",
         "students rarely responded to each other's ideas"),
    ),
)  # fmt: skip

# name, Big Four area, checklist items
_STRATEGIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "effective questions": ("instruction", (
        "questions planned in advance at several levels", "at least three seconds of wait time",
        "every student responding before anyone shares", "follow-up questions that ask for reasons",
        "a mix of opinion, right-or-wrong, and skill questions")),
    "thinking prompts": ("instruction", (
        "a prompt with no single right answer", "time for students to write before talking",
        "a clear routine for sharing", "the teacher listening more than talking",
        "connecting the prompt back to the learning target")),
    "cooperative learning with assigned roles": ("instruction", (
        "groups of three or four", "a role card for every student",
        "a product each group must complete", "individual accountability at the end",
        "a quick debrief on how the group worked")),
    "think-pair-share": ("instruction", (
        "a clear question posted for everyone", "silent think time",
        "partners assigned in advance", "a structured way to report back",
        "sentence stems for partner talk")),
    "learning maps": ("content planning", (
        "a map that shows the whole unit", "students adding to the map each day",
        "a review of the map at the start of class", "links between ideas made explicit",
        "students using the map to check their own progress")),
    "guiding questions": ("content planning", (
        "a small set of questions for the whole unit", "questions posted where students see them",
        "each lesson tied to a guiding question", "students answering the questions in writing",
        "a final task that answers the questions")),
    "checks for understanding with mini whiteboards": ("formative assessment", (
        "a check at least every ten minutes", "every student showing an answer at the same time",
        "the teacher scanning and deciding what to do next",
        "a quick reteach when fewer than 80% are correct", "students explaining one answer aloud")),
    "exit tickets tied to specific proficiencies": ("formative assessment", (
        "a specific proficiency for each lesson", "two or three questions per ticket",
        "tickets sorted the same day", "the next lesson adjusted to the results",
        "students seeing their own progress")),
    "specific proficiencies and learning targets": ("formative assessment", (
        "a learning target in student-friendly language", "the target posted and referred to",
        "students rating their confidence on the target", "a check tied to the target",
        "feedback that names the proficiency")),
    "teaching expectations explicitly": ("community building", (
        "expectations written for each activity", "expectations taught and practiced",
        "a reminder before each activity", "positive reinforcement when expectations are met",
        "calm, consistent follow-through")),
    "witness to the good": ("community building", (
        "specific praise", "at least three reinforcing statements for each correction",
        "praise given quietly and sincerely", "praise linked to effort",
        "attention spread across all students")),
    "fluent corrections": ("community building", (
        "corrections that are calm and brief", "corrections that are consistent",
        "corrections given without stopping instruction", "a return to teaching right away",
        "no sarcasm or public arguments")),
    "transition routines": ("community building", (
        "a signal for every transition", "materials ready before the transition",
        "a timer visible to students", "a routine practiced until it is automatic",
        "praise for quick, quiet transitions")),
}  # fmt: skip
_STRATEGIES_BY_KIND = {
    "engagement": ("effective questions", "thinking prompts",
                   "cooperative learning with assigned roles", "think-pair-share", "learning maps"),
    "achievement": ("checks for understanding with mini whiteboards",
                    "exit tickets tied to specific proficiencies",
                    "specific proficiencies and learning targets", "learning maps",
                    "guiding questions", "effective questions"),
    "behavior": ("teaching expectations explicitly", "witness to the good", "fluent corrections",
                 "transition routines", "cooperative learning with assigned roles"),
}  # fmt: skip
_ADJUSTMENTS = (
    "adding sentence stems for partner talk", "shortening the directions to a single slide",
    "using a visible timer", "assigning partner roles", "changing the seating so partners sat "
    "closer together", "modeling the first round with a student volunteer",
    "moving the check for understanding earlier in the lesson",
    "cutting the number of questions to three", "pulling a small reteach group",
    "posting the expectations on the board", "giving students a minute to write first",
    "praising the first pairs who got started", "breaking the task into two shorter parts",
    "giving each group a clear product to finish", "asking students to rate their own "
    "understanding before the check", "practicing the routine twice without content",
)  # fmt: skip
_KIND_OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "engagement": {
        "why": ("students who sit back every day are not learning",
                "the class was the most disengaged group on the schedule",
                "students deserve a class they want to be part of"),
        "powerful": ("engaged students learn more in every lesson",
                     "it would change daily life for every student in the room"),
        "student_evidence": ("students who had never spoken in class were leading partner talk",
                             "students asked to keep discussing after the bell",
                             "absences in that period dropped noticeably"),
        "subgroup": ("the students who sat nearest the door", "multilingual learners",
                     "the quietest third of the class"),
        "subgroup_issue": ("rarely joining in", "waiting for partners to do the talking",
                           "drifting during independent work"),
        "work_evidence": ("longer written responses", "more questions from students",
                          "more complete notes"),
        "student_change": ("talking about ideas and taking part every day",
                           "joining in without being asked"),
    },
    "achievement": {
        "why": ("students were working hard but not learning enough",
                "the unit test scores last year had been discouraging",
                "students needed to believe they could do hard work"),
        "powerful": ("proficiency on the target is what students need for the next unit",
                     "it connects every lesson to what students can show they know"),
        "student_evidence": ("unit test scores were the highest in the grade",
                             "students started checking their own work without prompting",
                             "students could explain their answers to a partner"),
        "subgroup": ("students with IEPs", "multilingual learners",
                     "students who had been absent often"),
        "subgroup_issue": ("scoring below the target", "unsure of the vocabulary",
                           "missing key steps"),
        "work_evidence": ("clearer explanations", "fewer blank responses",
                          "more accurate multi-step work"),
        "student_change": ("showing what they know and believing they can learn hard things",
                           "explaining their thinking with confidence"),
    },
    "behavior": {
        "why": ("every disruption cost the whole class learning time",
                "students said the room felt chaotic",
                "the teacher was losing energy managing behavior"),
        "powerful": ("a calm room gives every student more time to learn",
                     "it would change the feel of the class for everyone"),
        "student_evidence": ("students began reminding each other of the routines",
                             "referrals from that class dropped to almost none",
                             "students described the room as calm and fair"),
        "subgroup": ("a group of four students who often sat together", "the students at the "
                     "back tables", "students arriving late from lunch"),
        "subgroup_issue": ("struggling with the routine", "needing extra reminders",
                           "starting slowly"),
        "work_evidence": ("more work completed each period", "fewer unfinished assignments",
                          "more time for practice"),
        "student_change": ("spending their time on learning in a calm, respectful room",
                           "following routines that they helped design"),
    },
}  # fmt: skip
_GENERAL_OPTIONS: dict[str, tuple[str, ...]] = {
    "obstacle": ("the directions taking too long", "partners who did not know what to do first",
                 "the end of the lesson feeling rushed", "students not seeing the purpose"),
    "redo": ("gather baseline data sooner", "schedule our improve meetings before the cycle began",
             "invite the teacher to film more often", "spend more time on the checklist"),
    "next_choice": ("set a second goal for the same class", "end the cycle and celebrate",
                    "try the strategy with another class"),
    "model_choice": ("co-teach the first lesson", "watch me model it", "visit a colleague's class",
                     "rehearse it together during planning"),
    "adapt": ("adding visuals to the directions", "providing sentence frames",
              "shortening the task", "pairing students with a supportive partner"),
    "lesson_part": ("opening of the lesson", "middle of the lesson", "closing of the lesson",
                    "work time"),
    "lesson": ("teachers need to own the goal for it to last",
               "the best coaching questions are short",
               "student data makes conversations easier, not harder",
               "progress is rarely a straight line"),
    "change": ("listen before offering anything", "offer choices instead of one strategy",
               "start every cycle with video", "ask for feedback after every cycle"),
    "next_step": ("coach more teachers in the upper grades", "build a video library of our "
                  "playbook strategies", "learn to coach teams through Impact Cycles",
                  "improve how I gather engagement data", "strengthen our playbook's checklists"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "rating": ("4", "5", "6", "7"),
    "agree": ("two", "three", "four"),
    "minutes": ("10", "12", "15", "20", "25"),
    "C": ("our coach", "our instructional coach", "the coach", "this coach"),
}  # fmt: skip

_STORY_OPENERS = (
    "Early in the cycle, ", "At our next meeting, ", "Before the second lesson, ",
    "During the first week, ", "Later that week, ", "By the middle of the cycle, ",
    "In our follow-up conversation, ", "That afternoon, ", "After the lesson, ",
    "A few days later, ", "At that point, ", "Within a week, ",
)  # fmt: skip
_REFLECT_OPENERS = (
    "This year, ", "Over the past year, ", "In my experience, ", "As a coach, ", "Increasingly, ",
    "Throughout the year, ", "In practice, ", "Over time, ", "Most weeks, ", "Since August, ",
)  # fmt: skip
_LETTER_OPENERS = (
    "In my experience, ", "This year, ", "Over the past two years, ", "From my perspective, ",
    "As a supervisor, ", "Time and again, ", "Most importantly, ",
)  # fmt: skip
_SPECIAL_SENTENCES = (
    "{T} moved to our district from São Paulo, where {T} taught at a bilingual school for six "
    "years.",
    "Our literacy specialist, Zoë Gonçalves-Martín, co-planned the unit with us.",
    "{T} had attended a summer institute in Montréal on cooperative learning and wanted to build "
    "on it.",
    "The class included students who had recently arrived from São Paulo, Bogotá, and Kraków, so "
    "vocabulary support mattered.",
    "A student teacher from the Université de Genève, Anaïs Lefèvre, joined us for three weeks.",
)
_MARKUP_QUOTES = (
    '"<b>Finally</b> the kids are talking to each other & not just to me."',
    "=) Honestly, the students noticed the difference before I did.",
    "=SUM(gains) -> the class average went up every single week!",
    '"Students <3 the partner talk & so do I." <i>(written on a sticky note)</i>',
    "= what we planned + what the kids did on their own",
    '"A & B groups finally work <b>together</b>. Who knew?"',
    '<script>alert("coaching")</script> is what one student typed into the chat, and we laughed.',
)
_MARKUP_INTROS = (
    "{T} wrote this in our shared reflection log:",
    "At the end of the cycle, {T} sent me this note, copied exactly:",
    "{T}'s comment on the final survey read:",
)


# ---------------------------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------------------------


class _Slots(dict[str, str]):
    """Slot values for one section; keys listed in `options` are drawn afresh at every use.

    Fixed facts (names, numbers) must agree across the document, while incidental words
    (a weekday, a phrasing) should vary from sentence to sentence.
    """

    def __init__(
        self, rng: random.Random, values: dict[str, str], options: dict[str, tuple[str, ...]]
    ) -> None:
        super().__init__(values)
        self.rng = rng
        self.options = options
        self.last: dict[str, str] = {}

    def __missing__(self, key: str) -> str:
        options = self.options[key]
        value = self.rng.choice(options)
        if value == self.last.get(key) and len(options) > 1:
            value = self.rng.choice(options)
        self.last[key] = value
        return value

    def derive(self, values: dict[str, str]) -> _Slots:
        slots = _Slots(self.rng, dict(self), self.options)
        slots.update(values)
        return slots


def _words(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _grade_names(grade: int) -> tuple[str, str]:
    """('seventh grade', 'seventh-grade'), with kindergarten as its own word."""
    if grade == 0:
        return "kindergarten", "kindergarten"
    return f"{_ORDINALS[grade]} grade", f"{_ORDINALS[grade]}-grade"


def _fmt(value: float, unit: str) -> str:
    if unit == "pct":
        return f"{round(value)}%"
    if unit == "dec":
        return f"{value:.1f}"
    return str(round(value))


def _school_values(rng: random.Random, quality: float, special: bool) -> dict[str, str]:
    place = rng.choice(_PLACES)
    level_key = rng.choice(tuple(_LEVELS))
    suffix, level, grades, _, _ = _LEVELS[level_key]
    years_coaching = rng.randint(2, 9)
    first_names = _ACCENTED_FIRST_NAMES if special and rng.random() < 0.5 else _FIRST_NAMES
    principal_last = rng.choice(_SURNAMES)
    honorific = rng.choice(("Ms.", "Mr."))
    principal_first = rng.choice(_FIRST_NAMES[honorific])
    doctor = rng.random() < 0.4
    principal_short = f"{'Dr.' if doctor else honorific} {principal_last}"
    principal = f"{'Dr. ' if doctor else ''}{principal_first} {principal_last}"
    title, title_l, title_a = rng.choice(_SUPERVISOR_TITLES)
    school_level = title in ("Principal", "Assistant Principal")
    school = f"{place} {suffix}"
    district = f"{rng.choice(_DISTRICT_ROOTS)} {rng.choice(_DISTRICT_KINDS)}"
    if title == "Principal":
        sup_name = principal
    else:
        sup_first = rng.choice(first_names[rng.choice(("Ms.", "Mr."))])
        sup_name = f"{sup_first} {rng.choice(_SURNAMES)}"
    # Weaker portfolios come from schools where coaching time is eaten by other duties.
    time_pct = round(rng.uniform(58, 72) if quality > 0.45 else rng.uniform(30, 55))
    talk_before = rng.randint(55, 75)
    n_coached = rng.randint(8, 18)
    program_year = rng.randint(3, 8)
    year = rng.randint(2020, 2026)
    return {
        "school": school,
        "school_short": place,
        "district": district,
        "level_a": ("an " if level[0] in "aeiou" else "a ") + level,
        "level_key": level_key,
        "grades": grades,
        "community": rng.choice(_COMMUNITIES),
        "n_students": str(rng.randrange(280, 1900, 10)),
        "n_teachers": str(rng.randint(24, 95)),
        "pct_frl": str(rng.randint(18, 88)),
        "pct_ml": str(rng.randint(4, 42)),
        "pct_absent": str(rng.randint(12, 31)),
        "sip_focus": rng.choice(_SIP_FOCUS),
        "years_coaching": _words(years_coaching),
        "years_coaching_ord": _ORDINALS[years_coaching],
        "years_teaching": _words(rng.randint(5, 19)),
        "prev_role": rng.choice(_PREV_ROLES),
        "coaches_phrase": rng.choice(
            (
                "I am the only coach in the building",
                "Our building has two instructional coaches",
                "I share the coaching work with a literacy coach",
            )
        ),
        "n_coached": str(n_coached),
        "cycles_year": str(n_coached + rng.randint(2, 9)),
        "time_pct": str(time_pct),
        "hours_week": str(round(time_pct * 0.4)),
        "meet_freq": rng.choice(_MEET_FREQ),
        "principal_short": principal_short,
        "sup_name": sup_name,
        "sup_title": title,
        "sup_title_l": title_l,
        "sup_title_a": title_a,
        "sup_at": f"at {school}" if school_level else f"in {district}",
        "sup_org": school if school_level else district,
        "sup_years": _words(rng.randint(3, 12)),
        "sup_sup_years": _words(rng.randint(2, min(years_coaching, 3))),
        "program_year_ord": _ORDINALS[program_year],
        "program_years": _words(program_year - 1),
        "n_pb": str(rng.randint(8, 24)),
        "pd_minutes": str(rng.choice((15, 20, 30, 45))),
        "talk_pct": str(rng.randint(28, 42) if quality > 0.4 else rng.randint(45, 60)),
        "talk_pct_before": str(talk_before),
        # Letters are written in the submission window, May 1 to June 15.
        "letter_date": f"{rng.choice(('May', 'June'))} {rng.randint(1, 15)}, {year}",
    }


def _teacher_name(rng: random.Random, style: str, index: int, accented: bool) -> tuple[str, ...]:
    """Name, possessive and object pronoun for one teacher (pseudonyms, as portfolios use)."""
    if style == "letter":
        name = f"Teacher {'ABCDEFGH'[index % 8]}"
        honorific = rng.choice(("Ms.", "Mr.", "Mx."))
    else:
        honorific = rng.choice(("Ms.", "Ms.", "Mr.", "Mr.", "Mx."))
        surname = rng.choice(_ACCENTED_SURNAMES if accented else _SURNAMES)
        name = f"{honorific} {surname}"
    pronouns = {"Ms.": ("her", "her"), "Mr.": ("his", "him"), "Mx.": ("their", "them")}
    their, them = pronouns[honorific]
    return name, their, them


def _teacher_values(
    rng: random.Random, school: dict[str, str], quality: float, name: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """One teacher's Impact Cycle: class, goal, strategy and the numbers it produced."""
    _, _, _, grade_numbers, subjects = _LEVELS[school["level_key"]]
    grade, grade_adj = _grade_names(rng.choice(grade_numbers))
    subject = rng.choice(subjects)
    measure = rng.choice(_MEASURES)
    strategy = rng.choice(_STRATEGIES_BY_KIND[measure.kind])
    area, checks = _STRATEGIES[strategy]
    others = [s for s in _STRATEGIES_BY_KIND[measure.kind] if s != strategy]
    alternatives = rng.sample(others, 2)
    adjustments = rng.sample(_ADJUSTMENTS, 2)
    weeks = rng.randint(4, 9)

    base = rng.uniform(*measure.base)
    target = rng.uniform(*measure.target)
    if measure.unit == "pct":
        base, target = float(round(base)), float(5 * round(target / 5))
    elif measure.unit == "count":
        base, target = float(round(base)), float(round(target))
    # Strong cycles overshoot the target; weak ones stop short of it.
    reach = 1.0 + (quality - 0.45) * 0.45 + rng.uniform(-0.05, 0.05)
    final = base + (target - base) * reach
    if measure.unit == "pct":
        final = min(final, 98.0)
    elif measure.unit == "count":
        final = max(final, 1.0)
    # Weekly points: a climb, a stall in the plateau week that prompted an adjustment, then a
    # second climb to the final value.
    plateau_week = rng.randint(3, weeks - 1)
    series: list[float] = []
    share = 0.0
    for week in range(1, weeks + 1):
        if week == 1:
            share = 0.0
        elif week < plateau_week:
            share = 0.55 * (week - 1) / (plateau_week - 1)
        elif week > plateau_week:
            share = 0.55 + 0.45 * (week - plateau_week) / (weeks - plateau_week)
        value = base + (final - base) * share
        if 1 < week < weeks:
            value += (target - base) * rng.uniform(-0.03, 0.03)
        series.append(value)
    unit = measure.unit
    falling = measure.falling
    met = (final <= target) if falling else (final >= target)
    if met:
        outcome = rng.choice(
            ("which met the goal", "beyond the goal we had set", "and the goal was met")
        )
    else:
        outcome = f"just short of the target of {_fmt(target, unit)}"
    periods = _PERIODS_ELEMENTARY if school["level_key"] == "elementary" else _PERIODS_SECONDARY
    start_month, end_month = rng.choice(_MONTHS)
    fill = {
        "T": name[0],
        "end_month": end_month,
        "period": rng.choice(periods),
        "unit": rng.choice(_UNITS[subject]),
        "weeks": _words(weeks),
        "target": _fmt(target, unit),
    }
    s_base = rng.randint(30, 55)
    t_years = rng.randint(2, 20)
    values = {
        "T": name[0],
        "their": name[1],
        "them": name[2],
        "grade": grade,
        "grade_adj": grade_adj,
        "a_grade_adj": ("an " if grade_adj[0] in "ae" else "a ") + grade_adj,
        "trend": "drop" if falling else "climb",
        "subject": subject,
        "course": f"{grade_adj} {subject}",
        "unit": fill["unit"],
        "period": fill["period"],
        "period_minutes": str(rng.choice((45, 50, 55, 60, 75, 90))),
        "class_size": str(rng.randint(18, 32)),
        "n_iep": _words(rng.randint(2, 6)),
        "t_years": _words(t_years),
        "t_years_ord": _ORDINALS[t_years],
        "start_month": start_month,
        "end_month": end_month,
        "kind_word": measure.kind,
        "measure": measure.name,
        "measure_s": measure.short,
        "tool": measure.tool,
        "wish": measure.wish,
        "goal": measure.goal.format_map(fill),
        "base": _fmt(base, unit),
        "base_lo": _fmt(base - abs(target - base) * 0.08, unit),
        "base_hi": _fmt(base + abs(target - base) * 0.08, unit),
        "target": fill["target"],
        "final": _fmt(final, unit),
        "w2": _fmt(series[1], unit),
        "plateau": _fmt(series[plateau_week - 1], unit),
        "w_after": _fmt(series[plateau_week], unit),
        "weeks": _words(weeks),
        "weeks_n": str(weeks),
        "wk": str(plateau_week),
        "goal_outcome": outcome,
        "strategy": strategy,
        "strategy_area": area,
        "alt_strategy": alternatives[0],
        "alt_strategy2": alternatives[1],
        "check1": checks[0],
        "check2": checks[1],
        "check3": checks[2],
        "check4": checks[3],
        "n_check": _words(len(checks)),
        "adjust": adjustments[0],
        "adjust2": adjustments[1],
        "video_len": str(rng.randint(12, 25)),
        "s_base": str(s_base),
        "s_final": str(min(96, s_base + round(rng.uniform(15, 40) * reach))),
        "series": " ".join(_fmt(v, unit) for v in series),
    }
    moved_pp = ("fallen", "dropped", "decreased") if falling else ("risen", "climbed", "increased")
    options = dict(_GENERAL_OPTIONS)
    options.update(_KIND_OPTIONS[measure.kind])
    options["notice"] = measure.notice
    options["check_any"] = checks
    options["moved_pp"] = moved_pp
    return values, options


# ---------------------------------------------------------------------------------------------
# Document assembly
# ---------------------------------------------------------------------------------------------


# Marks a top-level heading whose "Part A:" or "Section 1:" is added at render time, when the
# final order of the sections (further cycles are inserted late) is known.
_NUMBERED = "\x00"


def _count(text: str) -> int:
    """Words in a block as it will be rendered; a numbering prefix is two words."""
    return len(text.split()) + (2 if text.startswith(_NUMBERED) else 0)


class _Fixed:
    """A block whose text is settled when it is created (headings, tables, surveys)."""

    __slots__ = ("text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = _count(text)


class _Voice:
    """What one document has committed to: its claims, its sentences and its template pools.

    Pools are shared by every section that uses a beat, so a further Impact Cycle told with the
    same banks picks up templates the first cycle left unused before any is used again.
    """

    __slots__ = ("claims", "vague", "pools", "refills", "said")

    def __init__(self, rng: random.Random) -> None:
        self.claims: dict[str, bool] = {}
        self.vague = rng.sample(_VAGUE.groups[0].weak, len(_VAGUE.groups[0].weak))
        self.pools: dict[int, tuple[list[str], list[str]]] = {}
        self.refills: dict[int, int] = {}
        self.said: set[str] = set()

    def allows(self, template: str) -> bool:
        tags = _TAGS.get(template)
        if tags is None:
            return True
        weak, names = tags
        return all(self.claims.get(name, weak) == weak for name in names)

    def commit(self, template: str) -> None:
        tags = _TAGS.get(template)
        if tags is not None:
            for name in tags[1]:
                self.claims[name] = tags[0]

    def pools_for(self, rng: random.Random, group: _Group) -> tuple[list[str], list[str]]:
        key = id(group)
        pools = self.pools.get(key)
        if pools is None or (not pools[0] and not pools[1] and self.refills.get(key, 0) < 4):
            # A used-up beat starts over for later sections; verbatim repeats are still refused.
            if pools is not None:
                self.refills[key] = self.refills.get(key, 0) + 1
            pools = (
                rng.sample(group.strong, len(group.strong)),
                rng.sample(group.weak, len(group.weak)),
            )
            self.pools[key] = pools
        return pools


class _Section:
    """A run of paragraphs drawn from one bank; it grows or shrinks by whole sentences."""

    __slots__ = (
        "heading",
        "heading_words",
        "bank",
        "slots",
        "weight",
        "drop_rank",
        "openers",
        "chosen",
        "body_words",
        "budget",
        "in_letter",
        "cap",
        "voice",
        "vague_ok",
        "used",
    )

    def __init__(
        self,
        heading: str | None,
        bank: _Bank,
        slots: _Slots,
        weight: float,
        drop_rank: int,
        openers: tuple[str, ...],
        voice: _Voice,
        in_letter: bool = False,
        cap: float = 0.8,
    ) -> None:
        self.heading = heading
        self.heading_words = _count(heading) if heading else 0
        self.bank = bank
        self.slots = slots
        self.weight = weight
        self.drop_rank = drop_rank  # higher ranks are dropped first when the target is tiny
        self.openers = openers
        self.voice = voice
        self.in_letter = in_letter
        self.cap = cap
        # Filler belongs in the coach's commentary, not in the facts of the context or the letter.
        self.vague_ok = bool(openers) and not in_letter
        # Per beat: (sentence, words, position of its template in the beat).
        self.chosen: list[list[tuple[str, int, int]]] = [[] for _ in bank.groups]
        self.body_words = 0
        self.budget = 0.0
        self.used: set[str] = set()  # a section never says the same template twice

    @property
    def words(self) -> int:
        return self.heading_words + self.body_words

    @property
    def capacity(self) -> float:
        """Words the bank can give before sentences would repeat."""
        return self.bank.size * self.bank.avg_words * self.cap

    def sentences(self) -> int:
        return sum(len(c) for c in self.chosen)

    def has_room(self, gi: int) -> bool:
        limit = self.bank.groups[gi].limit
        return not limit or len(self.chosen[gi]) < limit

    def pool(self, rng: random.Random, gi: int, weak: bool) -> list[str]:
        strong_pool, weak_pool = self.voice.pools_for(rng, self.bank.groups[gi])
        if weak and not weak_pool and self.vague_ok and self.voice.vague and rng.random() < 0.5:
            return self.voice.vague
        if weak and weak_pool:
            return weak_pool
        return strong_pool or weak_pool

    def pick(self, rng: random.Random, gi: int, p_weak: float) -> tuple[list[str], int] | None:
        """A template this section may still say: its pool and index, not yet taken."""
        weak = rng.random() < p_weak
        for _ in range(6):
            pool = self.pool(rng, gi, weak)
            if not pool:
                return None
            index = rng.randrange(len(pool))
            template = pool[index]
            if not self.voice.allows(template):
                # It contradicts what this document already said, so it can never be used here.
                pool[index] = pool[-1]
                pool.pop()
            elif template not in self.used:
                return pool, index
        return None

    def take(self, rng: random.Random, gi: int, pool: list[str], index: int) -> int:
        """Say the template at pool[index]; 0 words if the document already has that sentence."""
        template = pool[index]
        pool[index] = pool[-1]
        pool.pop()
        return self.say(rng, gi, template)

    def say(self, rng: random.Random, gi: int, template: str) -> int:
        text = template.format_map(self.slots)
        if text in self.voice.said:
            return 0
        self.voice.said.add(text)
        self.used.add(template)
        self.voice.commit(template)
        if self.openers and rng.random() < 0.14:
            first = template.split(" ", 1)[0]
            if first == "I":
                text = rng.choice(self.openers) + text
            elif first == "We":
                text = rng.choice(self.openers) + "we" + text[2:]
        if text[0].islower():
            text = text[0].upper() + text[1:]
        # Filler from the shared vague pool has no place in the beat; it closes the paragraph.
        return self.add(gi, (text, len(text.split()), _ORDER.get(template, 99)))

    def add(self, gi: int, sentence: tuple[str, int, int]) -> int:
        self.chosen[gi].append(sentence)
        self.body_words += sentence[1]
        return sentence[1]

    def remove(self, gi: int, si: int) -> int:
        _, words, _ = self.chosen[gi].pop(si)
        self.body_words -= words
        return words

    def fill(self, rng: random.Random, p_weak: float) -> None:
        groups = self.bank.groups
        avg = self.bank.avg_words
        wanted = max(1, round(self.budget / avg))
        indices = list(range(len(groups)))
        if wanted < len(indices):
            indices = sorted(rng.sample(indices, wanted))
        sizes = {gi: groups[gi].size for gi in indices}
        total = sum(sizes.values())
        carry = 0.0  # words a capped or used-up beat could not take pass on to the next beat
        for gi in indices:
            carry += self.budget * sizes[gi] / total
            carry -= self._say_up_to(rng, gi, p_weak, carry, at_least_one=True)
        # Whatever is still owed goes to any beat with sentences left, in order.
        for gi in range(len(groups)):
            if carry <= avg * 0.5:
                break
            carry -= self._say_up_to(rng, gi, p_weak, carry, at_least_one=False)

    def _say_up_to(
        self, rng: random.Random, gi: int, p_weak: float, share: float, at_least_one: bool
    ) -> int:
        half = self.bank.avg_words * 0.5
        got = 0
        for _ in range(40):  # bounded: every attempt consumes a template or gives up
            if not self.has_room(gi) or (got >= share - half and (got or not at_least_one)):
                break
            picked = self.pick(rng, gi, p_weak)
            if picked is None:
                break
            got += self.take(rng, gi, *picked)
        return got

    def paragraphs(self, rng: random.Random) -> list[str]:
        """Beats become paragraphs; short beats merge and long ones split, as writers do."""
        out: list[str] = []
        current: list[str] = []
        for chosen in self.chosen:
            if not chosen:
                continue
            texts = [s for s, _, _ in sorted(chosen, key=lambda c: c[2])]
            if len(current) >= 3 or current and len(current) + len(texts) > 8:
                out.append(" ".join(current))
                current = []
            while len(texts) > 7:
                cut = rng.randint(3, 6)
                if current:
                    out.append(" ".join(current))
                    current = []
                out.append(" ".join(texts[:cut]))
                texts = texts[cut:]
            current.extend(texts)
        if current:
            out.append(" ".join(current))
        return out


_Part = _Fixed | _Section


@dataclass(slots=True)
class _Plan:
    rng: random.Random
    keys: tuple[str, ...]
    target: int
    quality: float
    p_weak: float
    compact: bool
    heading_style: str
    voice: _Voice
    parts: list[_Part] = field(default_factory=list)
    # What further Impact Cycles need if _allocate decides the document is long enough for them.
    school: dict[str, str] = field(default_factory=dict)
    others: list[tuple[str, ...]] = field(default_factory=list)

    def heading(self, text: str, top: bool = True) -> str | None:
        if self.compact:
            return None
        if not top or self.heading_style == "plain":
            return text
        return _NUMBERED + text


def compose_entry(rng: random.Random, factor_keys: Sequence[str], target_words: int) -> str:
    """A candidate's written document for one entry that is scored on these factors.

    `factor_keys` is any subset of the seven Success Factor keys; the document has about
    `target_words` words (within 10% for 150 to 6000), and is a pure function of the rng state.
    """
    unknown = [k for k in factor_keys if k not in _FACTOR_TITLES]
    if unknown:
        raise ValueError(f"unknown factor keys: {unknown}")
    if target_words < 1:
        raise ValueError("target_words must be positive")
    quality = rng.betavariate(2.2, 1.8)
    plan = _Plan(
        rng=rng,
        keys=tuple(k for k in _FACTOR_ORDER if k in factor_keys),
        target=target_words,
        quality=quality,
        p_weak=min(0.9, max(0.03, 1.1 - 1.5 * quality)),
        # Short documents cannot afford a heading per section.
        compact=target_words < 420,
        heading_style=rng.choice(("part", "part", "plain", "section")),
        voice=_Voice(rng),
    )
    _build(plan)
    _allocate(plan)
    for part in plan.parts:
        if isinstance(part, _Section):
            part.fill(rng, plan.p_weak)
    _adjust(plan)
    return _render(plan)


_CORE_SECTIONS = (
    (
        "playbook",
        _PLAYBOOK,
        1.4,
        (
            "Using the instructional playbook",
            "The instructional playbook",
            "Offering choices",
        ),
    ),
    (
        "data",
        _DATA,
        1.5,
        (
            "Data and progress monitoring",
            "Gathering and analyzing data",
            "Measuring progress toward the goal",
        ),
    ),
    (
        "communication",
        _COMMUNICATION,
        1.4,
        ("Communicating about coaching", "Communication with leaders and staff", "Communication"),
    ),
    (
        "partnership",
        _PARTNERSHIP,
        1.4,
        (
            "The partnership approach",
            "Working with adults: partnership in practice",
            "Partnership principles in my coaching",
        ),
    ),
    (
        "leadership",
        _LEADERSHIP,
        1.3,
        ("Leadership", "Leading as a coach", "Coaching leadership: qualities in practice"),
    ),
    (
        "system_support",
        _SYSTEM,
        1.3,
        (
            "System support and role clarity",
            "Time in Impact Cycles and role clarity",
            "How my school supports coaching",
        ),
    ),
)
_STAGES = (
    (
        _IDENTIFY,
        1.3,
        1,
        (
            "Identify: the teacher's goal",
            "Identify: getting a clear picture and setting a goal",
            "Identify stage",
        ),
    ),
    (
        _LEARN,
        1.0,
        2,
        (
            "Learn: choosing and explaining a strategy",
            "Learn: the strategy {T} chose",
            "Learn stage",
        ),
    ),
    (
        _IMPROVE,
        1.3,
        1,
        (
            "Improve: monitoring progress and adjusting",
            "Improve: reaching the goal",
            "Improve stage",
        ),
    ),
)


def _build(plan: _Plan) -> None:
    rng, keys, parts = plan.rng, plan.keys, plan.parts
    special = rng.random() < 0.05
    markup = special and rng.random() < 0.4
    school = _school_values(rng, plan.quality, special)
    name_style = "letter" if rng.random() < 0.3 else "named"
    main_name = _teacher_name(rng, name_style, 0, special)
    teacher, options = _teacher_values(rng, school, plan.quality, main_name)
    base = _Slots(rng, {**school, **teacher}, options)
    # Colleagues for the Entry 2 examples and for further cycles in long entries.
    others: list[tuple[str, ...]] = []
    for i in range(1, 8):
        name = _teacher_name(rng, name_style, i, False)
        if name[0] != main_name[0] and all(name[0] != o[0] for o in others):
            others.append(name)
    plan.school, plan.others = school, others
    has_cycle = bool(_CYCLE_FACTORS.intersection(keys))

    if not plan.compact and rng.random() < 0.75:
        parts.append(_Fixed(_title(keys)))
    context = _join(_CONTEXT_SCHOOL, _CONTEXT_TEACHER if has_cycle else _CONTEXT_PROGRAM)
    heading = plan.heading(
        rng.choice(
            (
                "Context for coaching",
                "School and coaching context",
                "The context of my coaching",
                "My school and my role",
            )
        )
    )
    parts.append(_Section(heading, context, base, 1.0, 3, (), plan.voice))
    if special:
        parts.append(_Fixed(rng.choice(_SPECIAL_SENTENCES).format_map(base)))
    if "impact_cycle" in keys:
        heading = plan.heading(
            rng.choice(
                (
                    "The Impact Cycle with {T}",
                    "An Impact Cycle with {T}",
                    "Impact Cycle narrative: {T}'s {course} class",
                )
            )
        )
        if heading:
            parts.append(_Fixed(heading.format_map(base)))
        for bank, weight, rank, titles in _STAGES:
            if bank is _LEARN and "playbook" in keys:
                weight = 0.6  # the playbook section tells most of the Learn stage
            sub = plan.heading(rng.choice(titles), top=False)
            parts.append(
                _Section(
                    sub and sub.format_map(base),
                    bank,
                    base,
                    weight,
                    rank,
                    _STORY_OPENERS,
                    plan.voice,
                )
            )
    for i, (key, bank, weight, titles) in enumerate(_CORE_SECTIONS):
        if key not in keys:
            continue
        name = others[i % len(others)]
        slots = base.derive({"T2": name[0], "their2": name[1], "them2": name[2]})
        parts.append(
            _Section(
                plan.heading(rng.choice(titles)),
                bank,
                slots,
                weight,
                1,
                _REFLECT_OPENERS,
                plan.voice,
            )
        )
        if key == "data" and not plan.compact and rng.random() < 0.3 + 0.6 * plan.quality:
            parts.append(_data_table(rng, teacher))
    parts.append(
        _Section(
            plan.heading(
                rng.choice(
                    (
                        "Reflection and next steps",
                        "What I learned and what comes next",
                        "Next steps",
                    )
                )
            ),
            _REFLECTION,
            base,
            0.7,
            4,
            _REFLECT_OPENERS,
            plan.voice,
        )
    )
    if markup:
        intro = rng.choice(_MARKUP_INTROS).format_map(base)
        parts.append(_Fixed(f"{intro}\n{rng.choice(_MARKUP_QUOTES)}"))
    if _EVIDENCE_FACTORS.intersection(keys):
        _letter(plan, base)
        _surveys(plan, school)


def _title(keys: tuple[str, ...]) -> str:
    chosen = frozenset(keys)
    if chosen == _ENTRY_1:
        return "Entry 1: The Impact Cycle"
    if chosen == _ENTRY_2:
        return "Entry 2: Partnership communication and approach"
    if len(keys) == 1:
        return f"Entry {_FACTOR_ORDER.index(keys[0]) + 1}: {_FACTOR_TITLES[keys[0]]}"
    if not keys:
        return "Written commentary"
    return "Written commentary: " + ", ".join(_FACTOR_TITLES[k] for k in keys)


def _data_table(rng: random.Random, teacher: dict[str, str]) -> _Fixed:
    label = teacher["measure_s"]
    lines = [
        rng.choice(
            (
                f"Progress-monitoring data ({label}):",
                f"Weekly data for {label}:",
                f"{label[0].upper()}{label[1:]} by week:",
            )
        )
    ]
    for week, value in enumerate(teacher["series"].split(), start=1):
        lines.append(f"Week {week}{' (baseline)' if week == 1 else ''}: {value}")
    return _Fixed("\n".join(lines))


def _letter(plan: _Plan, base: _Slots) -> None:
    rng, parts = plan.rng, plan.parts
    parts.append(_Fixed("Letter from the coach's supervisor"))
    if not plan.compact:
        salutation = rng.choice(
            (
                "Dear ICG Certification scorers,",
                "To the ICG scoring team:",
                "Dear members of the certification committee,",
            )
        )
        parts.append(_Fixed(f"{base['letter_date']}\n\n{salutation}"))
    with_prompts = not plan.compact and rng.random() < 0.5
    for bank, prompt, weight, rank in (
        (_LETTER_INTRO, None, 0.5, 3),
        (_LETTER_PARTNERSHIP, "Prompt 1: The coach's partnership approach", 1.2, 1),
        (_LETTER_COMMUNICATION, "Prompt 2: Communicating about coaching", 1.0, 2),
        (_LETTER_ROLE, "Prompt 3: Role clarity and time for coaching", 1.0, 2),
        (_LETTER_CLOSING, None, 0.4, 4),
    ):
        parts.append(
            _Section(
                prompt if with_prompts else None,
                bank,
                base,
                weight,
                rank,
                _LETTER_OPENERS,
                plan.voice,
                in_letter=True,
                cap=1.0,
            )
        )
    sign_off = rng.choice(("Sincerely,", "Respectfully,", "With appreciation,"))
    parts.append(_Fixed(f"{sign_off}\n{base['sup_name']}\n{base['sup_title']}, {base['sup_org']}"))


def _surveys(plan: _Plan, school: dict[str, str]) -> None:
    rng, parts = plan.rng, plan.parts
    parts.append(_Fixed("Teacher surveys"))
    budget = min(1200.0, max(55.0, plan.target * 0.2)) - 2
    if budget > 220:
        intro = rng.choice(_SURVEY_INTROS)
        parts.append(_Fixed(intro))
        budget -= len(intro.split())
    per_teacher = budget / 10
    _, _, _, grades, subjects = _LEVELS[school["level_key"]]
    rating_style = rng.choice(("{s}: {r} of 5", "{s}: {r}/5", "{s} - {r}"))
    # Ten teachers rarely write the same sentence, so each comment is used once per document.
    unused = {id(c): list(c) for c in (_COMMENTS_HIGH, _COMMENTS_MID, _COMMENTS_LOW)}
    for n in range(1, 11):
        # Teachers differ, but the coach's real practice sets where their ratings sit.
        mean = min(5.0, max(1.6, rng.gauss(3.1 + 1.9 * plan.quality, 0.45)))
        if per_teacher < 9:
            parts.append(_Fixed(f"Teacher {n}: overall, {_rate(rng, mean)} of 5."))
            continue
        statements = rng.sample(_SURVEY_STATEMENTS, 8)
        if per_teacher < 16:
            line = rating_style.format(s=statements[0], r=_rate(rng, mean))
            parts.append(_Fixed(f"Teacher {n}: {line}."))
            continue
        header = f"Teacher {n}"
        if per_teacher > 45:
            grade, _ = _grade_names(rng.choice(grades))
            header += rng.choice(
                (
                    f" ({grade}, {rng.randint(1, 28)} years of teaching)",
                    f" ({rng.choice(subjects)}, {rng.choice(_ORDINALS[1:4])} Impact Cycle)",
                    f" ({grade} {rng.choice(subjects)})",
                )
            )
        lines = [header]
        used = len(header.split())
        comment_room = min(30.0, per_teacher * 0.35)
        for statement in statements:
            words = len(statement.split()) + 3
            if used + words > per_teacher - comment_room and len(lines) > 1:
                break
            lines.append(rating_style.format(s=statement, r=_rate(rng, mean)))
            used += words
        room = per_teacher - used - 1
        if room >= 3:
            pool = unused[
                id(
                    _COMMENTS_HIGH
                    if mean >= 4.1
                    else _COMMENTS_MID
                    if mean >= 3.2
                    else _COMMENTS_LOW
                )
            ]
            candidates = rng.sample(pool, min(4, len(pool)))
            comment = min(candidates, key=lambda c: abs(len(c.split()) - room), default=None)
            if comment is not None and len(comment.split()) <= room * 1.6:
                pool.remove(comment)
                lines.append(f"Comment: {comment}")
        parts.append(_Fixed("\n".join(lines)))


def _rate(rng: random.Random, mean: float) -> int:
    return min(5, max(1, round(mean + rng.gauss(0, 0.55))))


def _allocate(plan: _Plan) -> None:
    """Share the words left after fixed blocks among sections, adding cycles when needed."""
    fixed = sum(p.words for p in plan.parts if isinstance(p, _Fixed))
    sections = [p for p in plan.parts if isinstance(p, _Section)]
    letter = [s for s in sections if s.in_letter]
    body = [s for s in sections if not s.in_letter]
    remaining = max(0.0, plan.target - fixed)
    letter_budget = 0.0
    if letter:
        capacity = sum(s.capacity for s in letter)
        letter_budget = min(remaining * 0.3, max(30.0, plan.target * 0.18), capacity)
    body_budget = remaining - letter_budget
    overflow = 0.0
    for group, budget in ((body, body_budget), (letter, letter_budget)):
        # Tiny targets cannot hold one sentence per section: drop the least essential ones.
        while len(group) > 1:
            if sum(s.heading_words + s.bank.avg_words for s in group) <= budget * 1.05:
                break
            victim = max(group, key=lambda s: (s.drop_rank, group.index(s)))
            if victim.drop_rank == 0:
                break
            group.remove(victim)
            plan.parts.remove(victim)
        unplaced = _share(group, budget)
        overflow = overflow if group is letter else unplaced
    if overflow > 150 and not plan.compact:
        _add_cycles(plan, overflow)
        body = [p for p in plan.parts if isinstance(p, _Section) and not p.in_letter]
        _share(body, body_budget)


def _share(group: list[_Section], budget: float) -> float:
    """Budgets by weight, none above its section's capacity; returns the words nobody can take."""
    if not group:
        return 0.0
    spare = budget - sum(s.heading_words for s in group)
    open_sections = list(group)
    while open_sections:
        weights = sum(s.weight for s in open_sections)
        full = [s for s in open_sections if spare * s.weight / weights > s.capacity]
        if not full:
            for section in open_sections:
                section.budget = max(section.bank.avg_words * 0.6, spare * section.weight / weights)
            return 0.0
        for section in full:
            section.budget = section.capacity
            spare -= section.capacity
            open_sections.remove(section)
    return max(0.0, spare)


_SECOND_CYCLE_TITLES = (
    "A second example: {T}'s {course} class",
    "A second Impact Cycle: {T}",
    "Impact Cycle with {T}",
    "Partnership in practice: a cycle with {T}",
)
_LATER_CYCLE_TITLES = (
    "Another Impact Cycle: {T}",
    "Impact Cycle with {T}",
    "One more example: {T}'s {course} class",
)


def _add_cycles(plan: _Plan, overflow: float) -> None:
    """Long entries describe further Impact Cycles, as real portfolios do, instead of repeating."""
    rng = plan.rng
    story_capacity = _CYCLE_STORY.size * _CYCLE_STORY.avg_words * _STORY_CAP
    count = min(len(plan.others), max(1, -(-round(overflow) // round(story_capacity))))
    anchor = next(
        (i for i, p in enumerate(plan.parts) if isinstance(p, _Section) and p.bank is _REFLECTION),
        len(plan.parts),
    )
    for i in range(count):
        values, options = _teacher_values(rng, plan.school, plan.quality, plan.others[i])
        slots = _Slots(rng, {**plan.school, **values}, options)
        title = rng.choice(_SECOND_CYCLE_TITLES if i == 0 else _LATER_CYCLE_TITLES)
        heading = plan.heading(title.format_map(slots))
        section = _Section(
            heading, _CYCLE_STORY, slots, 2.5, 1, _STORY_OPENERS, plan.voice, cap=_STORY_CAP
        )
        plan.parts.insert(anchor + i, section)


def _adjust(plan: _Plan) -> None:
    """Add or remove whole sentences until the document is within a few percent of the target."""
    rng = plan.rng
    sections = [p for p in plan.parts if isinstance(p, _Section)]
    if not sections:
        return
    total = sum(p.words for p in plan.parts)
    tolerance = max(3.0, plan.target * 0.03)
    for _ in range(300):
        diff = total - plan.target
        if abs(diff) <= tolerance:
            return
        if diff > 0:
            # A section may lose its last sentence only while another of its kind (body or
            # letter) still speaks; tiny targets need that, and headings are off there anyway.
            speaking = [s for s in sections if s.body_words]
            body = sum(1 for s in speaking if not s.in_letter)
            letter = len(speaking) - body
            best: tuple[float, _Section, int, int] | None = None
            for section in speaking:
                alone = (letter if section.in_letter else body) <= 1
                if section.sentences() <= 1 and (alone or section.heading):
                    continue
                for gi, chosen in enumerate(section.chosen):
                    for si, (_, words, _) in enumerate(chosen):
                        score = abs(diff - words)
                        if best is None or score < best[0]:
                            best = (score, section, gi, si)
            if best is None or best[0] >= diff:
                return
            _, section, gi, si = best
            total -= section.remove(gi, si)
        else:
            # Several candidates, so the last sentence can be one that lands near the target.
            best_add: tuple[int, _Section, int, str, list[str]] | None = None
            for _k in range(6):
                section = rng.choice(sections)
                room = [gi for gi in range(len(section.chosen)) if section.has_room(gi)]
                if not room:
                    continue
                gi = rng.choice(room)
                picked = section.pick(rng, gi, plan.p_weak)
                if picked is None:
                    continue
                pool, index = picked
                template = pool[index]
                words = len(template.split()) + template.count("{")
                if best_add is None or abs(-diff - words) < abs(-diff - best_add[0]):
                    best_add = (words, section, gi, template, pool)
            if best_add is None or abs(-diff - best_add[0]) >= -diff:
                return
            _, section, gi, template, pool = best_add
            # Later candidates may have dropped templates from this pool: remove it by value.
            if template in pool:
                pool.remove(template)
                total += section.say(rng, gi, template)


def _render(plan: _Plan) -> str:
    blocks: list[str] = []
    # Sentences of a section without a heading that are too few for a paragraph of their own
    # join the paragraph before them when it came from such a section too.
    loose = False
    for part in plan.parts:
        if isinstance(part, _Fixed):
            blocks.append(part.text)
            loose = False
        elif part.body_words:
            paragraphs = part.paragraphs(plan.rng)
            if part.heading:
                blocks.append(part.heading)
            elif loose and part.sentences() <= 2 and blocks[-1].count(". ") < 4:
                blocks[-1] += " " + paragraphs.pop(0)
            blocks.extend(paragraphs)
            loose = not part.heading
    number = 0
    for i, block in enumerate(blocks):
        if block.startswith(_NUMBERED):
            number += 1
            if plan.heading_style == "part":
                prefix = f"Part {chr(ord('A') + (number - 1) % 26)}:"
            else:
                prefix = f"Section {number}:"
            blocks[i] = f"{prefix} {block[1:]}"
    return "\n\n".join(blocks)

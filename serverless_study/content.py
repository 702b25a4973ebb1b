"""Content as a command needs it: every topic's names and counts from an index in the cache, each topic itself
loaded only when asked for, so start-up grows with what is asked, not with the size of the content."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from serverless_study.cache import ContentCache, Stamp
from serverless_study.errors import ContentError
from serverless_study.loader import (
    FINGERPRINTED,
    LoadResult,
    code_fingerprint,
    content_files,
    load_one,
    load_unvetted,
    missing_dirs,
    vet_topic_images,
)
from serverless_study.model import Topic, TopicHead

if TYPE_CHECKING:  # marking and cards are imported when first needed: `learn` and `topics` need neither
    from serverless_study.answers import Vocabulary
    from serverless_study.cards import CardGroups, Deck

# What an index holds is decided by the loader's rules, the card ids (cards.py), the vocabulary (answers.py) and
# this module: a change to any of them builds every index again.
INDEX_FINGERPRINTED = (*FINGERPRINTED, "cards", "answers", "content")
TERMS_PER_SHARD = 500  # a vocabulary is split so that marking an answer reads a few small pieces of it


class Content:
    """The topics under some content folders: heads, problems and card ids at once, topics and terms on demand.

    Build it with `Content.open`. `topics` is a mapping that loads a topic (through the per-file cache) the first
    time it is looked up; `deck` knows every card by id and builds the cards of a topic only when they are asked.
    """

    def __init__(self, files: list[Path], heads: list[TopicHead], problems: list[ContentError]) -> None:
        self.files, self.heads, self.problems = files, heads, problems
        self._heads = {h.id: h for h in heads}
        self._position = {h.id: i for i, h in enumerate(heads)}
        self._file_of: dict[str, int] = {}  # topic id → its file's position in `files`
        self._groups: dict[str, CardGroups] = {}  # topic id → its card ids, decoded from `_cards` when first needed
        self._cards = ""  # the index's card ids: a line per topic, as `_encode_cards` writes them
        self._card_lines: list[str] | None = None
        self._hashes = ""  # the index's card content hashes: a line per topic, fixed-width, in its card ids' order
        self._hash_lines: list[str] | None = None
        self._loaded: dict[str, Topic] = {}
        self._cache: ContentCache | None = None  # the per-file cache (loader's fingerprint)
        self._index: ContentCache | None = None  # where the index and its vocabulary live (this module's)
        self._name = ""  # the index's name: the content folders, absolute
        self._owner: bytes | None = None  # the version of the index in use, which its vocabulary must name
        self._vocabulary: Vocabulary | None = None
        self._imaged: list[str] = []  # topics naming images: checked on every run
        self._deck: Deck | None = None
        self.topics: Mapping[str, Topic] = _LazyTopics(self)

    @property
    def deck(self) -> Deck:
        """Every card by id; a topic's cards are built when one of them is asked for."""
        if self._deck is None:
            from serverless_study.cards import Deck, generate_cards

            self._deck = Deck([h.id for h in self.heads], self._card_groups, lambda t: generate_cards([self.topics[t]]))
        return self._deck

    @classmethod
    def open(cls, dirs: list[Path], cache_dir: Path | None = None, now: float | None = None) -> Content:
        """The content under `dirs`; with `cache_dir`, read from its index when every file is as it was indexed.

        An index that does not match this code, the folders or any file (size, times, inode; the content of a file
        changed just before the index was written), or that is damaged, is ignored and written again.
        """
        code = code_fingerprint() if cache_dir is not None else None
        index_code = code_fingerprint(modules=INDEX_FINGERPRINTED) if cache_dir is not None else None
        files = content_files(dirs)
        if cache_dir is None or code is None or index_code is None:
            return cls.whole(dirs)
        name = "\0".join(str(d.resolve()) for d in dirs)
        index = ContentCache(cache_dir, index_code, now)
        stamps = [Stamp.of(f) for f in files]
        found = index.get_index(name, [s for s in stamps if s is not None]) if None not in stamps else None
        content = None
        if found is not None:
            content = cls._from_index(dirs, files, found[0])
            if content is not None:
                content._owner = found[1]
        if content is None:
            content = cls._indexed(dirs, files, stamps, cache_dir, now, index, name)
        content._cache, content._index, content._name = ContentCache(cache_dir, code, now), index, name
        index.prune()
        content._vet_indexed_images()
        return content

    @classmethod
    def whole(cls, dirs: list[Path], cache_dir: Path | None = None, now: float | None = None) -> Content:
        """Every topic loaded now (no index)."""
        unvetted, code = load_unvetted(dirs, cache_dir, now)
        return cls._of(content_files(dirs), unvetted, cache_dir, code)

    @classmethod
    def _of(cls, files: list[Path], unvetted: LoadResult, cache_dir: Path | None, code: str | None) -> Content:
        topics, image_problems = vet_topic_images(unvetted.topics, cache_dir, code)
        content = cls(files, [TopicHead.of(t) for t in topics], [*unvetted.problems, *image_problems])
        content._loaded = {t.id: t for t in topics}
        return content

    @classmethod
    def _indexed(
        cls,
        dirs: list[Path],
        files: list[Path],
        stamps: list[Stamp | None],
        cache_dir: Path,
        now: float | None,
        index: ContentCache,
        name: str,
    ) -> Content:
        """Everything loaded, and the index written for the next run (stamps were taken before the files were read)."""
        unvetted, code = load_unvetted(dirs, cache_dir, now)
        content = cls._of(files, unvetted, cache_dir, code)
        hashes = [unvetted.hashes.get(str(f)) for f in files]
        if None not in stamps and None not in hashes:
            payload = _index_payload(files, unvetted)
            content._owner = index.put_index(
                name, [s for s in stamps if s is not None], [h for h in hashes if h is not None], payload
            )
        return content

    @classmethod
    def _from_index(cls, dirs: list[Path], files: list[Path], payload: dict[str, Any]) -> Content | None:
        """The content as the index describes it, problems named as given in this run; None if it is malformed."""
        try:
            heads, file_of = [], {}
            for tid, title, aliases, related, (a, b, c, d), at in payload["topics"]:
                heads.append(TopicHead(tid, title, tuple(aliases), tuple(related), (int(a), int(b), int(c), int(d))))
                file_of[tid] = int(at)
                if not 0 <= file_of[tid] < len(files):
                    return None
            cards, hashes = payload["cards"], payload["hashes"]
            for lines in (cards, hashes):
                if not isinstance(lines, str) or lines.count("\n") != max(0, len(heads) - 1):
                    return None
            problems = missing_dirs(dirs)
            for at, message, line, key in payload["problems"]:
                problems.append(ContentError(str(files[at]), message, line, key))
            content = cls(files, heads, problems)
            content._file_of, content._cards, content._hashes = file_of, cards, hashes
            content._imaged = [tid for tid in payload["imaged"] if tid in file_of]
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        return content

    def _vet_indexed_images(self) -> None:
        """Images are checked on every run: the topics that name one are loaded and checked now."""
        for tid in self._imaged:
            self.topic(tid, report=True)

    # --- on demand ------------------------------------------------------------------------------------------------

    def topic(self, topic_id: str, *, report: bool = False) -> Topic | None:
        """The topic with this id, loaded through the per-file cache on first use; with `report`, the problems of
        its images join `problems`."""
        found = self._loaded.get(topic_id)
        if found is not None or topic_id not in self._file_of or self._cache is None:
            return found
        cache = self._cache
        topic = load_one(self.files[self._file_of[topic_id]], cache.directory, cache.code, cache.now)
        if topic is None or topic.id != topic_id:  # changed since the index was checked: the next run rebuilds it
            return None
        vetted, problems = vet_topic_images([topic], cache.directory, cache.code)
        if report:
            self.problems.extend(problems)
        self._loaded[topic_id] = vetted[0]
        return vetted[0]

    @property
    def loaded(self) -> list[str]:
        """Ids of the topics loaded so far, in the order they were."""
        return list(self._loaded)

    def head(self, topic_id: str) -> TopicHead | None:
        return self._heads.get(topic_id)

    def load_all(self) -> list[Topic]:
        """Every topic, in content order (each loaded once)."""
        return [t for t in (self.topic(h.id) for h in self.heads) if t is not None]

    def _card_groups(self, topic_id: str) -> CardGroups:
        found = self._groups.get(topic_id)
        if found is None:
            if self._cards:
                if self._card_lines is None:
                    self._card_lines = self._cards.split("\n")
                found = _decode_cards(topic_id, self._card_lines[self._position[topic_id]])
            else:
                from serverless_study.cards import card_groups

                topic = self.topic(topic_id)
                found = card_groups(topic) if topic is not None else ((), (), (), ())
            self._groups[topic_id] = found
        return found

    def card_hashes(self, topic_id: str) -> dict[str, str]:
        """The topic's card ids (in content order) → the hash of what each card shows, which notices an edit: read
        from the index when there is one (no topic is loaded), else from the topic's cards."""
        from serverless_study.cards import CONTENT_HASH_CHARS, generate_cards

        ids = list(itertools.chain(*self._card_groups(topic_id)))
        if self._hashes:
            if self._hash_lines is None:
                self._hash_lines = self._hashes.split("\n")
            line, width = self._hash_lines[self._position[topic_id]], CONTENT_HASH_CHARS
            if len(line) == width * len(ids):  # else wrong-shaped: the topic's cards say
                return dict(zip(ids, (line[i : i + width] for i in range(0, len(line), width)), strict=True))
        topic = self.topic(topic_id)
        return {c.id: c.content_hash for c in generate_cards([topic])} if topic is not None else {}

    def vocabulary(self) -> Vocabulary:
        """The terms of all the content (marking names a mix-up with any of them), read piece by piece from the
        cache when there is an index, else gathered from every topic (and stored for the next run)."""
        if self._vocabulary is None:
            from serverless_study.answers import ShardedVocabulary

            shards = None
            if self._index is not None and self._owner is not None:
                shards = self._index.get_shards(self._name, self._owner)
            if shards is not None:
                self._vocabulary = ShardedVocabulary(len(shards), shards.read, self._whole_vocabulary)
            else:
                self._vocabulary = self._whole_vocabulary()
        return self._vocabulary

    def _whole_vocabulary(self) -> Vocabulary:
        from serverless_study.answers import Vocabulary

        vocabulary = Vocabulary.from_topics(self.load_all())
        if self._index is not None and self._owner is not None:
            count = max(1, len(vocabulary.terms) // TERMS_PER_SHARD)
            self._index.put_shards(self._name, self._owner, vocabulary.to_shards(count))
        return vocabulary


def _index_payload(files: list[Path], loaded: LoadResult) -> dict[str, Any]:
    """What the index keeps of the whole content: topic heads with their file, card ids and content hashes,
    problems, images."""
    from serverless_study.cards import generate_cards, group_ids

    at = {str(f): i for i, f in enumerate(files)}
    topics, cards, hashes = [], [], []
    for t in loaded.topics:
        counts = list(TopicHead.of(t).item_counts)
        topics.append([t.id, t.title, list(t.aliases), list(t.related), counts, at[t.source]])
        built = generate_cards([t])
        groups = group_ids(built)
        cards.append(_encode_cards(t.id, groups))
        digest = {c.id: c.content_hash for c in built}
        hashes.append("".join(digest[cid] for cid in itertools.chain(*groups)))
    return {
        "topics": topics,
        "cards": "\n".join(cards),
        "hashes": "\n".join(hashes),  # each card's content hash (CONTENT_HASH_CHARS wide), in its line's id order
        # folders that do not exist are found again on every run; every other problem names a content file
        "problems": [[at[p.file], p.message, p.line, p.key] for p in loaded.problems if p.file in at],
        "imaged": [t.id for t in loaded.topics if t.images],
    }


def _encode_cards(topic_id: str, groups: CardGroups) -> str:
    """A topic's card ids on one line: groups split by "|", ids by " ", without the "topic/" they all start with
    (ids are slugs, kinds and parts: never a space, "|" or a line break). One string for the whole index is read
    at C speed, and a topic's line is split only when a quiz needs its cards."""
    cut = len(topic_id) + 1
    return "|".join(" ".join(cid[cut:] for cid in group) for group in groups)


def _decode_cards(topic_id: str, line: str) -> CardGroups:
    prefix = f"{topic_id}/"
    a, b, c, d = (tuple(prefix + x for x in group.split(" ")) if group else () for group in line.split("|"))
    return a, b, c, d


class _LazyTopics(Mapping[str, Topic]):
    """Topic id → topic, in content order; a topic is loaded the first time it is looked up."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def __getitem__(self, topic_id: str) -> Topic:
        topic = self.content.topic(topic_id)
        if topic is None:
            raise KeyError(topic_id)
        return topic

    def __iter__(self) -> Iterator[str]:
        return (h.id for h in self.content.heads)

    def __len__(self) -> int:
        return len(self.content.heads)

    def __contains__(self, topic_id: object) -> bool:
        return isinstance(topic_id, str) and self.content.head(topic_id) is not None

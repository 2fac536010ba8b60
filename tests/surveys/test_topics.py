"""Themes of free text: whole words, word starts, punctuation and case ignored; `unless`
phrases and `if` rules; "General" is never a theme."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.topics import Rule, Topic, labels, load_topics, needle, normalise, topics_of

ISSUE_THEMES = {
    "home_and_carers", "placement_moves", "family_contact", "brothers_and_sisters", "friends",
    "school", "health_and_feelings", "social_worker", "worker_changes", "iro_and_reviews",
    "being_listened_to", "house_rules", "pocket_money_and_things_to_do", "pets", "advocacy",
    "leaving_care_housing", "leaving_care_money", "leaving_care_work",
}  # fmt: skip


def test_keywords_match_whole_words_or_word_starts() -> None:
    assert topics_of("I miss my Mum!") == ("family_contact",)
    assert topics_of("Mumble jumble") == ()
    assert topics_of("my brothers' new SCHOOL") == ("brothers_and_sisters", "school")
    assert topics_of("I've had too many\nchanges of social   worker") == (
        "social_worker",
        "worker_changes",
    )
    assert topics_of("") == () and topics_of(None) == ()


def test_the_taxonomy_covers_what_children_in_care_talk_about() -> None:
    found = labels()
    assert set(found) == ISSUE_THEMES
    assert len(set(found.values())) == len(found)
    assert not any(label.lower() == "general" for label in found.values())
    assert topics_of("they take my phone at bedtime") == ("house_rules",)
    assert topics_of("I want a dog") == ("pets",)
    assert topics_of("my advocate came with me") == ("advocacy",)
    assert topics_of("it was ok") == ()  # no theme, not "General"


def test_unless_and_if_rules() -> None:
    assert "school" not in topics_of("I see my mates after school")
    assert "friends" in topics_of("I see my mates after school")
    assert topics_of("I want more pocket money") == ("pocket_money_and_things_to_do",)
    assert topics_of("I can't manage my money and bills") == ("leaving_care_money",)
    assert "placement_moves" not in topics_of("my best friend moved away")
    assert "placement_moves" in topics_of("I moved again")


def test_a_not_word_counts_even_inside_an_unless_phrase() -> None:
    moves = Topic("moves", "Moves", (), unless=("brother moved",),
                  rules=(Rule(("new place",), ("moved",), ("brother",)),))
    assert topics_of("i moved to a new place", (moves,)) == ("moves",)
    # "brother moved" is blanked before the keywords are looked for, but "brother" still
    # rules the move out (it was a placement move until the rule saw the whole text)
    assert topics_of("my brother moved to a new place and i moved too", (moves,)) == ()
    assert "placement_moves" not in topics_of("my brother moved to a new place and he sent pics")
    assert Rule(("a",), (), ("b",)).holds(" a | ", " a b ") is False
    assert Rule(("a",), (), ("b",)).holds(" a | ") is True


def test_a_not_word_stops_the_model_adding_the_theme_as_an_unless_phrase_does() -> None:
    money = Topic("money", "Money", (), unless=("pocket money",), add_above=0.5,
                  rules=(Rule(("meter",), ("prepayment", "key"), ("my mum",)),))
    sure = {"money": 0.99}.__getitem__  # the model is sure every time
    assert money.holds(" my prepayment meter is low ", sure)  # the keywords find it
    assert money.holds(" i am skint ", sure)  # the model adds it
    assert not money.holds(" my mum has a prepayment meter ", sure)  # the rule rules it out
    assert not money.holds(" more pocket money please ", sure)  # as an `unless` phrase does
    assert money.ruled_out(" my mum has a prepayment meter ")
    assert not money.ruled_out(" my mum has a meter ")  # without an `and` word, no veto
    assert not money.ruled_out(" i am skint ")
    assert Rule(("meter",), (), ("mum",)).vetoes(" mum meter ")
    assert not Rule(("meter",), (), ()).vetoes(" mum meter ")  # no `not` words, no veto
    assert not Rule(("meter",), (), ("mum",)).vetoes(" mum only ")


def test_normalise_and_needles() -> None:
    assert normalise("  Social-Worker’s   NEW… ") == "social workers new"
    assert normalise("don't") == "dont"
    assert needle("mum") == " mum " and needle("brother*") == " brother"


def test_custom_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text("topics:\n  pets: {label: Pets, keywords: [dog*, Cat]}\n", encoding="utf-8")
    topics = load_topics(path)
    assert topics_of("My dogs and my cat.", topics) == ("pets",)
    assert topics_of("catalogue", topics) == ()
    path.write_text(
        "themes:\n  pets:\n    keywords: [cat]\n    unless: [cat flap]\n"
        "    if: [{keywords: [fish], and: [tank], not: [chips]}]\n",
        encoding="utf-8",
    )
    topics = load_topics(path)
    assert topics_of("the cat flap", topics) == ()
    assert topics_of("my fish tank", topics) == ("pets",)
    assert topics_of("fish and chips", topics) == ()
    assert topics_of("fish tank and chips", topics) == ()
    for bad, match in [
        ("topics:\n  pets: {keywords: []}\n", "keywords"),
        ("themes:\n  general: {keywords: [x]}\n", "General"),
        ("themes:\n  other: {label: General, keywords: [x]}\n", "General"),
        ("themes:\n  pets: {keywords: [x], if: [{keywords: [y], also: [z]}]}\n", "unknown"),
        ("themes: [1]\n", "themes"),
    ]:
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            load_topics(path)


@pytest.mark.parametrize(
    ("text", "money"),
    [
        ("PIP assessment next week, got to take all my letters", True),
        ("my pip got stopped and the benefit is all i have", True),
        ("when can i get my junior isa money", True),
        ("saving up for when i leave care", True),
        ("isa is my best friend at school", False),  # a name
        ("pip is my hamster", False),
        ("saving up for a bike with my pocket money", False),  # a child's savings
    ],
)
def test_benefits_and_savings_words_are_leaving_care_money_only_as_money(
    text: str, money: bool
) -> None:
    assert ("leaving_care_money" in topics_of(text)) is money


@pytest.mark.parametrize(
    ("text", "theme", "found"),
    [
        ("3 PAs in a year, whats the point", "worker_changes", True),
        ("my PA keeps changing so i dont bother ringing", "worker_changes", True),
        ("dont change my social worker please", "worker_changes", True),
        ("my sw went off sick and nobody replaced her", "worker_changes", True),
        ("dont change my bedroom", "worker_changes", False),
        ("i had to tell my story again to the police", "worker_changes", False),
        ("i was off sick for a week with flu", "worker_changes", False),
        ("my nan died and now shes gone", "worker_changes", False),
        ("having nightmares every night", "health_and_feelings", True),
        ("the bus was a nightmare", "health_and_feelings", False),
        ("i want to be a plumber", "leaving_care_work", True),
        ("my dad is a plumber", "leaving_care_work", False),
        ("rent arrears letter came today", "leaving_care_money", True),
        ("my mum is in arrears", "leaving_care_money", False),
        ("the council said i cant bid yet", "leaving_care_housing", True),
        ("i stayed put in my room all day", "leaving_care_housing", False),
        ("my sisters graduation is next week", "school", False),
        ("i want a dog so bad but my carer says no", "house_rules", True),
        ("my carer says no one is perfect", "house_rules", False),
        ("we had visitors at christmas", "house_rules", False),
        ("me and the mandem go out on fridays", "friends", True),
        ("my PA is honestly like a big sister to me", "brothers_and_sisters", False),
        ("devils advocate here but reviews arent that bad", "advocacy", False),
        # the nineteenth and twentieth sets' wordings, and a reviewer's traps for them
        ("too many agency staff on shift, never the same face twice", "worker_changes", True),
        ("I get agency staff shifts at the hospital through my job", "worker_changes", False),
        ("The cover staff at school are rubbish and dont know our names", "worker_changes",
         False),
        ("different iro at every review, whats the point", "worker_changes", True),
        ("My social worker retired and now I dont have one", "worker_changes", True),
        ("My nan retired and my social worker said she can have me", "worker_changes", False),
        ("My sw is changing the plan so I can go to my nans", "worker_changes", False),
        ("my PA is changing when i turn 21", "worker_changes", True),
        ("I never unpack my bag coz they will just move me", "placement_moves", True),
        ("I had to unpack the shopping and the dishwasher", "placement_moves", False),
        ("packed all my stuff in bin bags again", "placement_moves", True),
        ("Its my turn to take the bin bags out on a thursday", "placement_moves", False),
        ("My sister lives in a new house with her boyfriend", "placement_moves", False),
        ("gas and leccy is costing me a fortune", "leaving_care_money", True),
        ("I got sanctioned by the job centre for being late", "leaving_care_money", True),
        ("We get sanctioned by staff if we come back late", "leaving_care_money", False),
        ("My mum has money worries so she cant take me out", "leaving_care_money", False),
        ("I like looking at the argos catalogue for christmas ideas", "leaving_care_money", False),
        ("My cat Pip stopped eating and had to go to the vet", "leaving_care_money", False),
        ("my PIP got stopped", "leaving_care_money", True),
        ("I owe about a million thanks to my PA", "leaving_care_money", False),
        ("I not know where is my mother, I want to find her", "family_contact", True),
        ("We are learning about Mother Teresa in RE", "family_contact", False),
        ("I got an A E and two Cs in my mocks", "health_and_feelings", False),
        ("The film had me on edge of my seat", "health_and_feelings", False),
        ("I have been cutting myself again and I dont want to tell anyone",
         "health_and_feelings", True),
        ("Im dog tired after school every day", "pets", False),
        ("I like watching tom and jerry with the little ones", "pets", False),
        ("I get holiday pay from work but its not enough", "pocket_money_and_things_to_do",
         False),
        # the twenty-first and twenty-second sets' wordings, and a reviewer's traps for them
        ("this is my 7th house since i was 9", "placement_moves", True),
        ("My moon is in my 7th house which explains a lot lol", "placement_moves", False),
        ("In Monopoly I always count how many houses Ive got", "placement_moves", False),
        ("I was only meant to be here for the weekend. that was 2 years ago", "placement_moves",
         True),
        ("My SW has changed 3 times this year, whats the point", "worker_changes", True),
        ("The date of my contact has changed 3 times", "worker_changes", False),
        ("my leaving care worker is moving teams", "worker_changes", True),
        ("Im moving teams at football next season", "worker_changes", False),
        ("first time Ive had the same social worker for a whole year", "worker_changes", True),
        ("me and my brother have the same sw", "worker_changes", False),
        ("different person chairing every review", "worker_changes", True),
        ("I complained about the staff and nothing happened", "advocacy", True),
        ("i complained cos my chips were cold", "advocacy", False),
        ("how do I complain about my phone contract", "advocacy", False),
        # a review of those: phrases that hid real answers, and keywords that fired alone
        ("the council is changing my social worker again", "worker_changes", True),
        ("they said the team is changing my pa next month", "worker_changes", True),
        ("Im an agency worker at the warehouse", "worker_changes", False),
        ("our teacher went on maternity leave and the staff are all new", "worker_changes",
         False),
        ("I complained about the staff at the gym cos they were rude", "advocacy", False),
        ("how do i complain about my council tax bill", "advocacy", False),
        ("I owe money to my mate for the cinema", "leaving_care_money", False),
        ("when i get home i unpack my bag", "placement_moves", False),
        ("I complained about the staff because they took my phone", "advocacy", True),
        ("its always agency staff on the weekend", "worker_changes", True),
        ("the agency worker they sent didnt know anything about me", "worker_changes", True),
        ("My carer does agency staff shifts at the hospital so shes always tired",
         "worker_changes", False),
        ("I owe money everywhere and I cant sleep", "leaving_care_money", True),
        ("I never get to unpack my bags properly", "placement_moves", True),
        # the twenty-fourth and twenty-fifth sets' wordings, and a reviewer's traps for them
        ("i just want to stop going place to place", "placement_moves", True),
        ("places ive lived: 7. im 13", "placement_moves", True),
        ("i got new carers last month and its ok so far", "placement_moves", True),
        ("my placement is ending and no one knows where im going, im scared",
         "placement_moves", True),
        ("i was only meant to be here short term", "placement_moves", True),
        ("got 2 hours notice to pack and go", "placement_moves", True),
        ("placed me 3 hrs away from my family", "placement_moves", True),
        ("they sent me to a new place i never even visited", "placement_moves", True),
        ("its a revolving door of social workers", "worker_changes", True),
        ("new face every month, theres no point talking to my sw", "worker_changes", True),
        ("i got a temp sw now cos mine left", "worker_changes", True),
        ("sick of telling my story to someone new", "worker_changes", True),
        ("had 4 different ones this year", "worker_changes", True),
        ("ive been unallocated since my sw left in june", "worker_changes", True),
        # with no worker named the model gives 0.25, under worker changes' confirm_above (0.4
        # since the forty-fifth and forty-sixth sets): the keywords find it, the model vetoes
        ("as soon as i get used to one theyre gone", "worker_changes", False),
        ("as soon as i get used to one sw theyre gone", "worker_changes", True),
        ("my sw is retiring and im gutted", "worker_changes", True),
        ("i got handed over to the leaving care team at 18 and never met them",
         "worker_changes", True),
        ("i spent my birthday money on a new hoodie", "pocket_money_and_things_to_do", True),
        ("theres nothing fun to do round here, my carers are always busy",
         "pocket_money_and_things_to_do", True),
        ("i miss my aunties so much", "family_contact", True),
        ("my direct debits bounced and now i owe the bank", "leaving_care_money", True),
        ("staying on a friends sofa for weeks, nowhere else to go", "leaving_care_housing",
         True),
        ("i got passed over for team captain again", "worker_changes", False),
        ("the supply teachers are agency ones and they cant control the class",
         "worker_changes", False),
        ("the visits to my foster nan at the weekend are nice", "family_contact", False),
        ("my carers set up a direct debit to save my pocket money", "leaving_care_money", False),
        ("i didnt do anything wrong and still got grounded all weekend",
         "pocket_money_and_things_to_do", False),
        ("my mate got a flat from the leaving care team", "social_worker", False),
        ("leaving care gave me christmas money but it went on the leccy",
         "pocket_money_and_things_to_do", False),
        ("my brother is getting used to his new job, he left the old one", "worker_changes", False),
        ("still waiting to be allocated a dentist, been months", "worker_changes", False),
        ("best places ive been with my carers are the zoo and the beach", "placement_moves", False),
        ("i gave my job 2 days notice and went to a better one", "placement_moves", False),
        ("i had to tell my story again to the new solicitor for the case", "worker_changes", False),
        ("the school trip ran out of money so it got cancelled", "leaving_care_money", False),
        ("my mum has another new boyfriend, thats another new one this year",
         "worker_changes", False),
        ("we found a new place to eat with my foster carers, its lush", "placement_moves", False),
        ("my carer is the one person who sticks around for me no matter what",
         "worker_changes", False),
        ("my carers have foster carer training on tuesdays so they cant do lifts",
         "pocket_money_and_things_to_do", False),
        ("lost my worker pass at the warehouse and got a warning", "worker_changes", False),
        ("my social worker never says anything fun", "pocket_money_and_things_to_do", False),
        # the twenty-sixth and twenty-seventh sets' wordings, and a reviewer's traps for them
        ("lost count of how many beds ive had", "placement_moves", True),
        ("i went from resi to a family and its better", "placement_moves", True),
        ("this is the longest ive stayed anywhere 2 years", "placement_moves", True),
        ("waiting for the phone call to say im going somewhere else", "placement_moves", True),
        ("new area, new school, new everything, dont know anyone", "placement_moves", True),
        ("had to leave the only home i knew", "placement_moves", True),
        ("my pa got replaced when she went on maternity", "worker_changes", True),
        ("every new one reads my file and thinks they know me", "worker_changes", True),
        ("my adviser left and nobody told me", "worker_changes", True),
        ("im the goalie for my team", "pocket_money_and_things_to_do", True),
        ("my clothing money is always late", "pocket_money_and_things_to_do", True),
        ("we never go anywhere at weekends", "pocket_money_and_things_to_do", True),
        ("i want someone who isnt from the council to help me", "advocacy", True),
        ("my old one was better, this ps5 keeps crashing", "worker_changes", False),
        ("the coach left without us on the school bus", "pocket_money_and_things_to_do", False),
        ("every new one of the resi staff reads my file before meeting me",
         "worker_changes", False),
        ("my teacher got promoted to head of year and now ive got someone who doesnt know me",
         "worker_changes", False),
        ("saving up for a bond for my new place", "pocket_money_and_things_to_do", False),
        ("we had to leave that place cos the food was rank", "placement_moves", False),
        ("my mums hours got cut so she cant come to contact", "leaving_care_work", False),
        ("the handover at the youth club to the new person was rubbish", "worker_changes", False),
        ("off to another sleepover again this weekend", "placement_moves", False),
        ("the last place my mum lived was in wales", "placement_moves", False),
        ("carers make me do chores like taking out the bin bags again", "placement_moves", False),
        ("my nan got given a new one, a hip lol", "worker_changes", False),
        ("the letter was not from the council it was from the landlord", "advocacy", False),
        ("they put me in a new area of the hospital ward", "placement_moves", False),
        ("we talked about the move to high school in year 6", "placement_moves", False),
        ("ive been in 2nd place in my class for reading this year", "placement_moves", False),
        ("my dog never listens to a word i say", "being_listened_to", False),
        # a review's everyday sentences for this session's phrases
        ("it was 40 miles away from everything i knew", "placement_moves", True),
        ("my placement ended and i was so scared", "placement_moves", True),
        ("my coach says im good enough for the academy", "pocket_money_and_things_to_do", True),
        ("my hours got cut so im short on rent this month", "leaving_care_work", True),
        ("that place ended up closing down, the chippy i mean", "placement_moves", False),
        ("the longest ive stayed up is 4am on new years", "placement_moves", False),
        ("every house ive been to for halloween gave out full size bars", "placement_moves", False),
        ("my old job never took me back after i was sick", "placement_moves", False),
        ("my teaching placement ended last friday", "placement_moves", False),
        ("the campsite was miles away from everything, proper peaceful", "placement_moves", False),
        ("my mum has a revolving door of boyfriends", "worker_changes", False),
        ("my college adviser left so i have to email someone else", "worker_changes", False),
        ("my mates sw is a temp sw", "worker_changes", False),
        ("our coach driver said no food on the bus", "pocket_money_and_things_to_do", False),
        ("the library hours got cut so i cant go after school", "leaving_care_work", False),
        ("my mum's direct debits bounced again she said", "leaving_care_money", False),
        ("my phone ran out of money so i couldnt text back", "leaving_care_money", False),
        # the twenty-ninth and thirtieth sets' wordings, and two reviewers' traps for them
        ("nobody ever asks what i want", "being_listened_to", True),
        ("they decided it all before I even got there", "being_listened_to", True),
        ("at my meeting they kept talking about me like i wasnt sat right there",
         "being_listened_to", True),
        ("whats the point filling this in if no one reads it", "being_listened_to", True),
        ("i'm basically invisible in my meetings", "being_listened_to", True),
        ("the IRO wrote down everything i said", "being_listened_to", True),
        ("im on my 9th placement", "placement_moves", True),
        ("literally nothing for teenagers in this village", "pocket_money_and_things_to_do", True),
        ("got 8 out of 10 on my spellings", "school", True),
        ("only 2 hours on my games a day and half of that is loading lol", "house_rules", True),
        ("my electric key always runs out on a friday", "leaving_care_money", True),
        ("i wrote down what i spent this week so i dont run out before payday",
         "being_listened_to", False),
        ("sometimes i dont think ill still be here next year", "placement_moves", False),
        ("got 8th placement in fortnite arena last night lol", "placement_moves", False),
        ("my sister mocks me for being in care", "school", False),
        ("weekends are dead busy at work so i never get a day off",
         "pocket_money_and_things_to_do", False),
        ("i got my electric guitar for christmas", "leaving_care_money", False),
        ("i love my bedroom, its a place of my own to chill", "leaving_care_housing", False),
        ("we had to pay a deposit for a place on the school trip to france",
         "leaving_care_housing", False),
        ("i go with my foster carer on the weekly food shop and pick snacks",
         "leaving_care_money", False),
        ("in pe i never got to pick the teams", "being_listened_to", False),
        # the thirty-first and thirty-second sets' wordings, and a reviewer's sentences for them
        ("wish i could go into town on my own, im 14 not 5", "house_rules", True),
        ("i like playing super mario on my switch", "pocket_money_and_things_to_do", True),
        ("my PA is moving on next month, gutted tbh", "worker_changes", True),
        ("the woman from the advocacy service helped me get my point across",
         "being_listened_to", True),
        ("can my social worker contact me more, she never rings back", "family_contact", False),
        ("i work in a school kitchen now, early starts but good money", "school", False),
        ("got a detention for having my phone out in class", "house_rules", False),
        ("my friend's foster carer is really strict", "home_and_carers", False),
        ("we did a project on beavers in geography", "pocket_money_and_things_to_do", False),
        ("my sw is moving on with the plan for me to go back home to my dad",
         "worker_changes", False),
        ("my little brother goes to see his dad every weekend and i dont get to see mine",
         "family_contact", True),
        ("after contact my sw always asks loads of questions", "family_contact", True),
        # the thirty-third and thirty-fourth sets' wordings, and a reviewer's traps for them
        ("the lady I live with's grandson comes round on sundays", "home_and_carers", True),
        ("Feels like I'm the last to know about everything that happens to me",
         "being_listened_to", True),
        ("I'm 19 and people still make choices for me like I'm a little kid",
         "being_listened_to", True),
        ("this is my fourth place and I just want to stay somewhere", "placement_moves", True),
        ("always scared they'll pack my stuff in black bags again", "placement_moves", True),
        ("going to center parcs in the summer!!", "pocket_money_and_things_to_do", True),
        ("my SW is moving to a different team in march", "worker_changes", True),
        ("i volunteer at a charity shop 2 days a week", "leaving_care_work", True),
        ("My council tax is band B but I still can't afford it", "leaving_care_housing", False),
        ("My nan's been on the council list for a bungalow for years", "leaving_care_housing",
         False),
        ("I'm moving to another team at work and my new manager is nicer", "worker_changes",
         False),
        ("My mum used to volunteer at the charity shop before she got ill", "leaving_care_work",
         False),
        ("My dad's been off the weed for a year and contact is going better",
         "health_and_feelings", False),
        # the thirty-fifth and thirty-sixth sets' wordings, and a reviewer's traps for them
        ("got moved out of area and lost all my friends", "placement_moves", True),
        ("ive had 6 different houses in 2 years", "placement_moves", True),
        ("sending me somewhere new every time i kick off isnt helping anyone",
         "placement_moves", True),
        ("i love having my own front door", "leaving_care_housing", True),
        ("ive had 3 different houses in my sims game this week", "placement_moves", False),
        ("my PA said ill be going somewhere new when i turn 18, a supported flat in town",
         "placement_moves", False),
        ("they moved my review to next week without telling me", "placement_moves", False),
        ("my key worker got moved to another house and I wasnt told till after",
         "placement_moves", False),
        ("my mates placement might break down", "placement_moves", False),
        ("in animal crossing you get your own front door and you can decorate it",
         "leaving_care_housing", False),
        ("old school rules in this house, bed by 9 even on weekends", "school", False),
        # the thirty-seventh and thirty-eighth sets' wordings, and a reviewer's traps for them
        ("my gas meter keeps running out", "leaving_care_money", True),
        ("pa helped me apply for the hardship fund, got it the next week",
         "leaving_care_money", True),
        ("my 16 plus allowance is 60 quid a week and i have to buy food and toiletries out of it",
         "leaving_care_money", True),
        ("my 16 plus allowance is 60 quid a week and i have to buy food and toiletries out of it",
         "pocket_money_and_things_to_do", False),
        ("in science we read the gas meter to work out how much gas the bunsen burners used",
         "leaving_care_money", False),
        # leaving-care money has an `add_above` (0.9) since the fifty-third and fifty-fourth
        # sets; the model gives these 0.9 and more, but a rule's `not` word (a cousin, a mum)
        # rules the theme out, so it adds nothing
        ("my cousin gets an allowance from leaving care and she pays for our days out",
         "leaving_care_money", False),
        ("my job backdated my pay rise from april", "leaving_care_money", False),
        ("i moved seats in form cos the boy next to me kept kicking me", "placement_moves", False),
        # the thirty-ninth and fortieth sets' wordings, and traps written for them
        ("moved to a new childrens home, staff are ok so far", "placement_moves", True),
        ("my carers gave notice so i have to go", "placement_moves", True),
        ("my best friends carers gave notice and she has to move", "placement_moves", False),
        ("meter's on emergency and its freezing", "leaving_care_money", True),
        ("klarna is gonna be the death of me", "leaving_care_money", True),
        ("my mum has a prepayment meter and its always on emergency credit",
         "leaving_care_money", False),
        ("the money side of things my carers sort out", "leaving_care_money", False),
        ("not like my placement is breaking down or anything, its fine, stop asking",
         "placement_moves", False),
        ("this is the first placement where i can stay up past 9 on a friday",
         "placement_moves", False),
        ("im a week from leaving care and my flat still has no carpets", "leaving_care_money",
         False),
        ("the klarna advert with the singing is so annoying lol", "leaving_care_money", False),
        ("we did emergency tax in college business studies today", "leaving_care_money", False),
        # the forty-first and forty-second sets' wordings, and traps written for them
        ("another family, another bedroom, same bin bags", "placement_moves", True),
        ("my key worker at the house has moved to another home, its not the same without her",
         "placement_moves", False),
        ("packing my stuff again. 6th time", "placement_moves", True),
        ("packing my stuff away cos my brothers moving in and we're sharing my room",
         "placement_moves", False),
        ("this is my 4th school because of all my moves", "placement_moves", True),
        ("i can show you my moves from dance class", "placement_moves", False),
        ("fell out with Jade and now the whole group chat is ignoring me", "friends", True),
        ("the care leavers group chat the council set up is good for finding out about grants",
         "friends", False),
        ("my carers son and his mates are always on the xbox so i never get a go on it",
         "friends", False),
        ("my granny looks after me and she makes the best pancakes", "family_contact", True),
        ("doing my forklift training, it's like school but better", "leaving_care_work", True),
        ("played forklift simulator all weekend haha", "leaving_care_work", False),
        # the forty-third and forty-fourth sets' wordings, and traps written for them
        ("always get told last about everything", "being_listened_to", True),
        ("had to repeat myself like 5 times before anyone took it seriously", "being_listened_to",
         True),
        ("sometimes i dont say nothing cos it just gets twisted", "being_listened_to", True),
        ("every time i bring up my dad they change the subject", "being_listened_to", True),
        ("my ankle gets twisted every time we play footy on that bumpy pitch",
         "being_listened_to", False),
        ("my little brother never listens when i tell him to get out my room",
         "being_listened_to", False),
        ("the rescue kitten we were fostering found a long term family yesterday",
         "placement_moves", False),
        ("my PA moved to another area so ive got a new one", "placement_moves", False),
        ("I'd rather go to semi independent than another foster placement", "placement_moves",
         True),
        ("get £10 a week pocket money and extra for school uniform", "school", False),
        ("semi indy is ok but i cant afford food by friday, budgeting is hard",
         "leaving_care_housing", True),
        ("the carer puts granny smith apples in my lunch every day, i hate them",
         "family_contact", False),
        # the forty-fifth and forty-sixth sets' wordings, and traps written for them
        ("lost count of how many bedrooms ive had", "placement_moves", True),
        ("sick of living out of a suitcase", "placement_moves", True),
        ("this is my 4th carer since christmas", "placement_moves", True),
        ("me and Jade have been besties since yr 7", "friends", True),
        ("me and Jade have been besties since yr 7", "school", False),
        ("there's no one my age to hang around with in this village", "friends", True),
        ("my friends list on the switch is just full of randoms i play splatoon with", "friends",
         False),
        ("i hang out with my brother every sunday at contact", "friends", False),
        ("yr 9 is way harder than yr 8", "school", True),
        ("in reviews they use all these initials and i havent got a clue what they mean. no one "
         "breaks it down", "being_listened_to", True),
        ("the dance coach breaks it down really slow for us newbies", "being_listened_to", False),
        ("nobody believed our team would win the cup but we did!!", "being_listened_to", False),
        # the forty-seventh and forty-eighth sets' wordings, and traps written for them
        ("Ive lived out of a suitcase for two years", "placement_moves", True),
        ("i keep my stuff packed just in case", "placement_moves", True),
        ("this is placement number 4 and its the first one that actually feels like home",
         "placement_moves", True),
        ("my best friend moved schools and now i sit on my own at lunch", "placement_moves",
         False),
        ("i moved my bed under the window, carers didnt mind", "placement_moves", False),
        ("our art work got lost in the move to the new school building", "placement_moves",
         False),
        ("im making friends with the dog, he growled at first but now he sleeps on my bed",
         "friends", False),
        ("we watch Friends every night, me and my carer, its our thing", "friends", False),
        ("the family friend who has me on respite weekends is lovely", "friends", False),
        ("friend requests from people i dont know make me anxious so i came off insta",
         "friends", False),
        ("sent loads of CVs, no replies", "leaving_care_work", True),
        ("heard my mum's had a new baby, i'd like to meet him", "brothers_and_sisters", True),
        ("my mum got a new baby rabbit called biscuit", "brothers_and_sisters", False),
        ("my mate was fuming cos his girlfriend dumped him over text", "health_and_feelings",
         False),
        # the forty-ninth and fiftieth sets' wordings, and traps written for them
        ("finally moving in with my forever family on saturday", "placement_moves", True),
        ("Ive lived in 5 different towns since I came into care", "placement_moves", True),
        ("lost a good friend when she moved house, hard to keep in touch", "placement_moves",
         False),
        ("carers let me move rooms so I'm not next to the toddler anymore", "placement_moves",
         False),
        ("I keep asking to see my sister more and it goes nowhere", "being_listened_to", True),
        ("my mates say im a good listener", "being_listened_to", False),
        ("carers asked me to tidy my room before I go out", "being_listened_to", False),
        # someone else's animal is not the young person's pet (ninth session), unless their
        # own is named too; a care leaver's tv licence and bank statements are their money
        ("my mates cat is so cute lol", "pets", False),
        ("my PA's dog jumped in the car when she came to pick me up", "pets", False),
        ("my cousin got a hamster for her birthday", "pets", False),
        ("my dad's got a new puppy and he posts it more than he messages me", "pets", False),
        ("my carers dog sleeps on my bed", "pets", True),
        ("my foster mums dog had puppies!!", "pets", True),
        ("my friend got a puppy so now i want one even more, can i have a dog", "pets", True),
        ("my teacher has a cat and i really want a cat of my own", "pets", True),
        ("could we get help with the tv licence", "leaving_care_money", True),
        ("my PA asked me to bring my bank statements next time", "leaving_care_money", True),
        ("my carers tv licence ran out and we couldnt watch the match", "leaving_care_money",
         False),
        ("we read pretend bank statements in maths today", "leaving_care_money", False),
        ("how am i supposed to live on 90 quid a week", "leaving_care_money", True),
        ("eating once a day to make the money last", "leaving_care_money", True),
        ("first christmas in my own flat and no money for presents for anyone",
         "leaving_care_money", True),
        ("my villagers live on an island and i stocked a month of food for them",
         "leaving_care_money", False),
        ("staff said theres no money for bus fare to go cinema so we stayed in",
         "leaving_care_money", False),
        ("nan has no money for the meter so when i stay at hers its freezing",
         "leaving_care_money", False),
    ],
)
def test_new_wordings_and_their_traps(text: str, theme: str, found: bool) -> None:
    assert (theme in topics_of(text)) is found, topics_of(text)

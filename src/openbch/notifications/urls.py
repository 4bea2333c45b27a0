"""The pages of notifications, included in the web pages' URL map (under the language prefix)."""

from django.urls import path

from openbch.notifications import feeds, views

urlpatterns = [
    path("subscriptions/", views.subscriptions_page, name="subscriptions"),
    path("subscriptions/follow/", views.follow_page, name="follow"),
    path("unsubscribe/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
    path("feeds/forums/<slug:slug>.atom", feeds.ForumFeed(), name="feed_forum"),
    path("feeds/debates/<slug:slug>.atom", feeds.DebateFeed(), name="feed_debate"),
    path("feeds/consultations.atom", feeds.CommentPeriodsFeed(), name="feed_comment_periods"),
    path("feeds/consultations/<str:country>.atom", feeds.CommentPeriodsFeed(), name="feed_comment_periods_country"),
    path("feeds/decisions.atom", feeds.DecisionsFeed(), name="feed_decisions"),
    path("feeds/decisions/<str:country>.atom", feeds.DecisionsFeed(), name="feed_decisions_country"),
]
